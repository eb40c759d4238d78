"""Settings: flags > environment > an explicit .env file > config.toml, and atomic config writes."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import os
import re
import stat
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import platformdirs

from alloy_tui.alloy.notion_api import NOTION_VERSION, NOTION_VERSIONS
from alloy_tui.alloy.secret import Secret

APP_NAME: Final = "alloy-tui"
CONFIG_FILE_NAME: Final = "config.toml"
DEFAULT_BASE_URL: Final = "https://production.runalloy.com"
# Port 0 asks the OS for a free port; the guide's http://localhost:3000/oauth/callback works too.
DEFAULT_REDIRECT_URI: Final = "http://127.0.0.1:0/oauth/callback"

# Settings field -> the guide's environment variable name.
ENV_NAMES: Final[Mapping[str, str]] = {
    "api_key": "ALLOY_API_KEY",
    "user_id": "ALLOY_USER_ID",
    "base_url": "ALLOY_BASE_URL",
    "connection_id": "CONNECTION_ID",
    "redirect_uri": "OAUTH_REDIRECT_URI",
    "notion_version": "NOTION_VERSION",
}
# Settings field -> the lower-case key it has in config.toml.
CONFIG_KEYS: Final[Mapping[str, str]] = {
    "api_key": "api_key",
    "user_id": "user_id",
    "base_url": "base_url",
    "connection_id": "connection_id",
    "redirect_uri": "redirect_uri",
    "notion_version": "notion_version",
    "theme": "theme",
}
_KNOWN_TOP_LEVEL: Final = frozenset(CONFIG_KEYS.values()) | {"keys", "sandbox"}
_DEFAULTS: Final[Mapping[str, str]] = {
    "base_url": DEFAULT_BASE_URL,
    "redirect_uri": DEFAULT_REDIRECT_URI,
    "notion_version": NOTION_VERSION,
}
CONFIG_MAX_BYTES: Final = 1024 * 1024
"""config.toml and .env files are settings, never this big: a larger file is refused unread."""
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost"})
_OBJECT_ID: Final = re.compile(r"[0-9a-f]{24}")
_REDIRECT_PATH: Final = re.compile(r"(/[A-Za-z0-9._~-]+)+/?")


class ConfigError(Exception):
    """A configuration problem the user must fix; the message says what and where."""

    def __init__(self, sentence: str, remedy: str = "") -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.remedy = remedy

    def __str__(self) -> str:
        return self.sentence


class FileRefused(Exception):
    """A file that was not read: it is not a regular file, or it is over the size cap.
    `reason` completes "The file X ...", e.g. "is a named pipe (FIFO), not a regular file"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _kind_of(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


def _too_large(size: int, limit: int) -> str:
    if _size_text(size) == _size_text(limit):
        return f"is larger than the {_size_text(limit)} limit"
    return f"is {_size_text(size)}, more than the {_size_text(limit)} limit"


def read_bounded(path: Path, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file `path`, reading at most `limit` + 1 bytes.

    FileRefused (nothing read) for a FIFO, a device, a folder or a socket, for a symbolic link
    when `follow_symlinks` is False, and for a file over `limit` bytes: such a file is never
    opened for a read that could block or never end (a FIFO, /dev/zero). FileNotFoundError if
    there is no such file; other OSErrors as they come."""
    # Checked before opening, so a device or a FIFO is not even opened; checked again on the
    # open descriptor, in case the path was swapped in between.
    before = os.stat(path) if follow_symlinks else os.lstat(path)
    if not stat.S_ISREG(before.st_mode):
        raise FileRefused(f"is {_kind_of(before.st_mode)}, not a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if not follow_symlinks and error.errno == errno.ELOOP:
            raise FileRefused("is a symbolic link, not a regular file") from error
        raise
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise FileRefused(f"is {_kind_of(opened.st_mode)}, not a regular file")
        if opened.st_size > limit:
            raise FileRefused(_too_large(opened.st_size, limit))
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew since fstat
        raise FileRefused(_too_large(len(data), limit))
    return data


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start, with where each value came from."""

    api_key: Secret
    user_id: str | None
    base_url: str
    connection_id: str | None
    redirect_uri: str
    theme: str | None
    keymap: Mapping[str, str]
    sources: Mapping[str, str]
    config_path: Path
    state_dir: Path
    data_dir: Path
    cache_dir: Path
    sandbox: bool = False
    # The connection last picked while running against the sandbox ([sandbox] in config.toml),
    # kept apart so sandbox ids never replace the real account's active connection.
    sandbox_connection_id: str | None = None
    warnings: tuple[str, ...] = ()
    notion_version: str = NOTION_VERSION
    """The Notion-Version sent on every call but the data-source ones (which need 2025-09-03)."""

    def with_overrides(self, *, source: str = "override", **changes: Any) -> Settings:
        """A copy with some values replaced (validated), each marked with `source`."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        if isinstance(changes.get("api_key"), str):
            changes["api_key"] = Secret(changes["api_key"])
        if changes.get("base_url") is not None:
            changes["base_url"] = validate_base_url(changes["base_url"], source)
        if changes.get("redirect_uri") is not None:
            changes["redirect_uri"] = validate_redirect_uri(changes["redirect_uri"], source)
        if changes.get("notion_version") is not None:
            changes["notion_version"] = validate_notion_version(changes["notion_version"], source)
        sources = dict(self.sources)
        for name in changes:
            if name in ENV_NAMES or name == "theme":
                sources[name] = source
        return dataclasses.replace(self, sources=sources, **changes)

    def source_of(self, name: str) -> str:
        return self.sources.get(name, "default")


def default_config_path() -> Path:
    """config.toml in the platform's config dir (XDG_CONFIG_HOME on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def validate_base_url(value: str, source: str = "") -> str:
    """An http(s) URL with a host; returned without a trailing slash."""
    where = f" (from {source})" if source else ""
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"ALLOY_BASE_URL{where} must be an http:// or https:// URL with a host, "
            f"such as {DEFAULT_BASE_URL}.",
            "Fix ALLOY_BASE_URL (or base_url in config.toml).",
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"ALLOY_BASE_URL{where} must not contain a query or a fragment.",
            "Fix ALLOY_BASE_URL (or base_url in config.toml).",
        )
    return value.rstrip("/")


def validate_redirect_uri(value: str, source: str = "") -> str:
    """http://127.0.0.1 or http://localhost, an optional port, and a path."""
    where = f" (from {source})" if source else ""
    value = value.strip()
    problem = None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        problem = "has an invalid port"
    else:
        if parts.scheme != "http":
            problem = "must start with http://"
        elif (parts.hostname or "").lower() not in _LOOPBACK_HOSTS:
            problem = "must point at 127.0.0.1 or localhost"
        elif parts.username or parts.password:
            problem = "must not contain a user name or password"
        elif not parts.path or parts.path == "/":
            problem = "needs a path, such as /oauth/callback"
        elif (
            not _REDIRECT_PATH.fullmatch(parts.path)
            or "/./" in parts.path + "/"
            or ("/../" in parts.path + "/")
        ):
            problem = "needs a plain path of letters, digits, '-', '_', '.' and '~'"
        elif parts.query or parts.fragment:
            problem = "must not contain a query or a fragment"
        elif port is None and ":" in parts.netloc:
            problem = "has an empty port"
    if problem:
        raise ConfigError(
            f"OAUTH_REDIRECT_URI{where} {problem}: use a loopback address like "
            f"{DEFAULT_REDIRECT_URI} (port 0 picks a free port).",
            "Fix OAUTH_REDIRECT_URI (or redirect_uri in config.toml).",
        )
    return value


def validate_notion_version(value: str, source: str = "") -> str:
    """One of the Notion API versions the app speaks."""
    value = value.strip()
    if value not in NOTION_VERSIONS:
        where = f" (from {source})" if source else ""
        raise ConfigError(
            f"NOTION_VERSION{where} is {value!r}; alloy-tui speaks "
            + " and ".join(NOTION_VERSIONS)
            + ".",
            "Fix notion_version in config.toml (or --notion-version), or remove it.",
        )
    return value


def _line_of(text: str, key: str) -> int | None:
    """The 1-based line where `key = ...` is first written, for error messages."""
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _config_text(path: Path) -> str:
    """config.toml as text ("" when there is none); ConfigError for a file that is not read."""
    try:
        data = read_bounded(path, CONFIG_MAX_BYTES)
    except FileNotFoundError:
        return ""
    except FileRefused as exc:
        raise ConfigError(
            f"The config file {path} {exc.reason}, so it was not read.",
            "Replace it with a small TOML text file, or delete it to start over.",
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the config file {path}: {exc.strerror or exc}.",
            "Check the file's permissions.",
        ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"The config file {path} is not UTF-8 text.",
            "Fix or delete the file.",
        ) from exc


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse config.toml; a missing file is empty, a broken one a ConfigError naming the line.

    Only a regular file of at most CONFIG_MAX_BYTES is read; anything the parser cannot take
    (deep nesting, a huge number, control characters) is a ConfigError, never a traceback."""
    text = _config_text(path)
    if not text:
        return {}
    import tomllib  # only a config file that exists is parsed (start-up stays lighter)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends in "(at line N, column M)", or "(at end of document)".
        lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        message = str(exc).replace(
            "(at end of document)", f"(at the end of the file, line {max(lines, 1)})"
        )
        raise ConfigError(
            f"The config file {path} is not valid TOML: {message}.",
            "Fix that line, or delete the file to start over.",
        ) from exc
    except (RecursionError, MemoryError) as exc:
        raise ConfigError(
            f"The config file {path} is not valid TOML: its arrays or tables are nested too "
            "deeply to read.",
            "Fix the file, or delete it to start over.",
        ) from exc
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise ConfigError(
            f"The config file {path} is not valid TOML: {exc}.",
            "Fix the file, or delete it to start over.",
        ) from exc
    _check_types(data, text, path)
    return data


def _check_types(data: Mapping[str, Any], text: str, path: Path) -> None:
    def fail(key: str, expected: str) -> ConfigError:
        line = _line_of(text, key)
        at = f" (line {line})" if line else ""
        return ConfigError(
            f"In the config file {path}{at}, {key} must be {expected}.",
            "Fix that line, or delete the file to start over.",
        )

    for key in CONFIG_KEYS.values():
        if key in data and not isinstance(data[key], str):
            raise fail(key, "a quoted string")
    for table in ("keys", "sandbox"):
        if table in data and not isinstance(data[table], dict):
            raise fail(table, "a table, written [" + table + "]")
    for key, value in data.get("keys", {}).items():
        if not isinstance(value, str):
            raise fail(key, 'a quoted string of keys, such as "ctrl+s"')
    sandbox_id = data.get("sandbox", {}).get("connection_id")
    if sandbox_id is not None and not isinstance(sandbox_id, str):
        raise fail("connection_id", "a quoted string")


def load_settings(
    *,
    flags: Mapping[str, str | None] | None = None,
    env: Mapping[str, str] | None = None,
    env_file: Path | None = None,
    use_cwd_env: bool = True,
    config_path: Path | None = None,
) -> Settings:
    """Resolve the settings. `flags` uses field names (api_key, base_url, ...); None = not given.

    The .env file is `env_file` if given (it must exist), else `./.env` when `use_cwd_env`;
    it is never searched for in parent directories, and os.environ is never changed.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    flags = flags or {}
    unknown = set(flags) - set(ENV_NAMES)
    if unknown:
        raise TypeError(f"unknown flags: {', '.join(sorted(unknown))}")
    config_path = config_path or default_config_path()

    dotenv: Mapping[str, str | None] = {}
    dotenv_label = ""
    if env_file is not None:
        dotenv, dotenv_label = _read_dotenv(env_file, explicit=True), f".env ({env_file})"
    elif use_cwd_env:
        candidate = Path.cwd() / ".env"
        if candidate.is_file():
            dotenv, dotenv_label = _read_dotenv(candidate), f".env ({candidate})"

    config = read_config_file(config_path)
    config_label = f"config ({config_path})"

    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for name, env_name in ENV_NAMES.items():
        layers: tuple[tuple[str | None, str], ...] = (
            (flags.get(name), "flag"),
            (environ.get(env_name), "env"),
            (dotenv.get(env_name), dotenv_label),
            (config.get(CONFIG_KEYS[name]), config_label),
        )
        for value, label in layers:
            # An empty value (ALLOY_API_KEY= in a .env) means "not set here".
            if value is not None and value.strip():
                values[name], sources[name] = value.strip(), label
                break
        else:
            values[name] = _DEFAULTS.get(name)
            sources[name] = "default"
    theme = config.get("theme")
    if theme is not None:
        sources["theme"] = config_label

    warnings: list[str] = []
    user_id = values["user_id"]
    if user_id is not None and not _OBJECT_ID.fullmatch(user_id):
        warnings.append(
            f"ALLOY_USER_ID (from {sources['user_id']}) does not look like an Alloy user id "
            "(24 lower-case hex characters)."
        )
    warnings.extend(
        f"Unknown key {key!r} in the config file {config_path} is ignored."
        for key in config
        if key not in _KNOWN_TOP_LEVEL
    )

    base_url = values["base_url"] or DEFAULT_BASE_URL
    redirect_uri = values["redirect_uri"] or DEFAULT_REDIRECT_URI
    return Settings(
        api_key=Secret(values["api_key"] or ""),
        user_id=user_id,
        base_url=validate_base_url(base_url, sources["base_url"]),
        connection_id=values["connection_id"],
        redirect_uri=validate_redirect_uri(redirect_uri, sources["redirect_uri"]),
        theme=theme,
        keymap=dict(config.get("keys", {})),
        sources=sources,
        config_path=config_path,
        state_dir=Path(platformdirs.user_state_dir(APP_NAME)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
        cache_dir=Path(platformdirs.user_cache_dir(APP_NAME)),
        sandbox_connection_id=config.get("sandbox", {}).get("connection_id"),
        warnings=tuple(warnings),
        notion_version=validate_notion_version(
            values["notion_version"] or NOTION_VERSION, sources["notion_version"]
        ),
    )


def _read_dotenv(path: Path, *, explicit: bool = False) -> Mapping[str, str | None]:
    """A .env file's values; ConfigError naming the file if it cannot be read (only a regular
    file of at most CONFIG_MAX_BYTES is)."""
    try:
        data = read_bounded(path, CONFIG_MAX_BYTES)
    except FileNotFoundError as exc:
        where = "Check the path given to --env-file." if explicit else "Check the file."
        raise ConfigError(f"The env file {path} does not exist.", where) from exc
    except FileRefused as exc:
        raise ConfigError(
            f"The env file {path} {exc.reason}, so it was not read.",
            "Replace it with a small text file of NAME=value lines.",
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the env file {path}: {exc.strerror or exc}.", "Check the file."
        ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"The env file {path} is not UTF-8 text.", "Fix the file.") from exc
    from dotenv import dotenv_values  # only when a .env file is there to read

    try:
        return dotenv_values(stream=io.StringIO(text))
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ConfigError(
            f"The env file {path} could not be read as NAME=value lines.", "Fix the file."
        ) from exc


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace `path` with `text` atomically: a temp file in the same folder, created with
    `mode` before anything is written, fsynced, then os.replace'd over the target."""
    import tempfile  # writing is rare; start-up does not pay for it

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp already creates 0600; chmod makes any other requested mode explicit.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _config_key(name: str) -> str:
    """Accept a settings field, a config key or a guide env name: CONNECTION_ID -> connection_id."""
    for field_name, env_name in ENV_NAMES.items():
        if name == env_name:
            return CONFIG_KEYS[field_name]
    return CONFIG_KEYS.get(name, name)


def save_config_values(values: Mapping[str, str | None], path: Path | None = None) -> Path:
    """Set top-level keys in config.toml (None removes one), keeping every other key and table.

    Dotted names ("sandbox.connection_id") address a key inside a table."""
    path = path or default_config_path()
    read_config_file(path)  # a broken file is a ConfigError naming its line, never overwritten
    text = _config_text(path)
    # tomlkit edits the document in place, so the user's comments and layout survive. (Imported
    # here: only a write needs it, and the app's start does not.)
    import tomlkit

    try:
        document = tomlkit.parse(text)
    except (RecursionError, MemoryError, ValueError, tomlkit.exceptions.TOMLKitError) as exc:
        raise ConfigError(
            f"The config file {path} could not be updated: it could not be parsed for editing.",
            "Fix the file, or delete it to start over.",
        ) from exc
    for name, value in values.items():
        table: MutableMapping[str, Any] = document
        *parents, key = name.split(".")
        for parent in parents:
            if parent not in table:
                table[parent] = tomlkit.table()
            child = table[parent]
            if not isinstance(child, MutableMapping):
                raise ConfigError(f"In the config file {path}, {parent} must be a table.")
            table = child
        key = _config_key(key) if not parents else key
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    atomic_write_text(path, tomlkit.dumps(document))
    return path


def save_active_connection(connection_id: str, settings: Settings) -> Path:
    """Remember the picked connection; sandbox ids go to [sandbox] so they never replace the
    real account's connection."""
    key = "sandbox.connection_id" if settings.sandbox else "connection_id"
    return save_config_values({key: connection_id}, settings.config_path)


__all__ = [
    "CONFIG_MAX_BYTES",
    "DEFAULT_BASE_URL",
    "DEFAULT_REDIRECT_URI",
    "ENV_NAMES",
    "ConfigError",
    "FileRefused",
    "Settings",
    "atomic_write_text",
    "default_config_path",
    "load_settings",
    "read_bounded",
    "read_config_file",
    "save_active_connection",
    "save_config_values",
    "validate_base_url",
    "validate_redirect_uri",
]
