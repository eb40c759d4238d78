"""Settings precedence, .env loading rules, validation and atomic 0600 config writes."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from alloy_tui.alloy.secret import Secret
from alloy_tui.config import (
    DEFAULT_BASE_URL,
    DEFAULT_REDIRECT_URI,
    ConfigError,
    Settings,
    atomic_write_text,
    default_config_path,
    load_settings,
    save_active_connection,
    save_config_values,
)

KEY = "sk_live_very_secret_key_0123456789"


@pytest.fixture
def config_path(isolated_dirs: dict[str, Path]) -> Path:
    path = isolated_dirs["config"] / "alloy-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "project" / "sub"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return work


def write_config(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_defaults_with_nothing_configured(workdir: Path, config_path: Path) -> None:
    settings = load_settings(env={})
    assert settings.api_key == Secret("")
    assert not settings.api_key
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.redirect_uri == DEFAULT_REDIRECT_URI
    assert settings.user_id is None and settings.connection_id is None
    assert settings.sources["base_url"] == "default"
    assert settings.config_path == config_path == default_config_path()
    assert settings.keymap == {} and settings.theme is None
    assert not settings.sandbox


def test_each_layer_beats_the_next(workdir: Path, config_path: Path) -> None:
    write_config(
        config_path,
        'api_key = "from-config"\nuser_id = "aaaaaaaaaaaaaaaaaaaaaaaa"\n'
        'base_url = "http://config.example"\nconnection_id = "conn-config"\n'
        'redirect_uri = "http://127.0.0.1:4000/config"\n',
    )
    (workdir / ".env").write_text(
        "ALLOY_API_KEY=from-dotenv\nALLOY_BASE_URL=http://dotenv.example\n"
        "CONNECTION_ID=conn-dotenv\nOAUTH_REDIRECT_URI=http://localhost:3000/oauth/callback\n"
    )
    env = {"ALLOY_API_KEY": "from-env", "ALLOY_BASE_URL": "http://env.example/"}
    flags = {"api_key": "from-flag", "user_id": None}
    settings = load_settings(flags=flags, env=env)

    assert settings.api_key.reveal() == "from-flag"
    assert settings.sources["api_key"] == "flag"
    assert settings.base_url == "http://env.example"  # trailing slash dropped
    assert settings.sources["base_url"] == "env"
    assert settings.connection_id == "conn-dotenv"
    assert settings.sources["connection_id"] == f".env ({workdir / '.env'})"
    assert settings.redirect_uri == "http://localhost:3000/oauth/callback"
    assert settings.user_id == "aaaaaaaaaaaaaaaaaaaaaaaa"  # a None flag is "not given"
    assert settings.sources["user_id"] == f"config ({config_path})"


def test_empty_values_fall_through_to_the_next_layer(workdir: Path, config_path: Path) -> None:
    write_config(config_path, 'api_key = "from-config"\n')
    (workdir / ".env").write_text("ALLOY_API_KEY=\n")
    settings = load_settings(flags={"api_key": ""}, env={"ALLOY_API_KEY": "  "})
    assert settings.api_key.reveal() == "from-config"


def test_env_defaults_to_os_environ_and_is_not_mutated(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOY_USER_ID", "bbbbbbbbbbbbbbbbbbbbbbbb")
    (workdir / ".env").write_text("ALLOY_API_KEY=dotenv-key\n")
    settings = load_settings()
    assert settings.user_id == "bbbbbbbbbbbbbbbbbbbbbbbb"
    assert settings.api_key.reveal() == "dotenv-key"
    assert "ALLOY_API_KEY" not in os.environ


def test_dotenv_is_never_searched_upward(workdir: Path) -> None:
    (workdir.parent / ".env").write_text("ALLOY_API_KEY=parent-key\n")
    (workdir.parent.parent / ".env").write_text("ALLOY_API_KEY=grandparent-key\n")
    assert not load_settings(env={}).api_key


def test_explicit_env_file_replaces_the_cwd_one(workdir: Path, tmp_path: Path) -> None:
    (workdir / ".env").write_text("ALLOY_API_KEY=cwd-key\nALLOY_USER_ID=cccccccccccccccccccccccc\n")
    explicit = tmp_path / "other.env"
    explicit.write_text("ALLOY_API_KEY=explicit-key\n")
    settings = load_settings(env={}, env_file=explicit)
    assert settings.api_key.reveal() == "explicit-key"
    assert settings.user_id is None  # the cwd .env was not read at all
    assert settings.sources["api_key"] == f".env ({explicit})"


def test_use_cwd_env_false_ignores_the_cwd_file(workdir: Path) -> None:
    (workdir / ".env").write_text("ALLOY_API_KEY=cwd-key\n")
    assert not load_settings(env={}, use_cwd_env=False).api_key


def test_a_missing_explicit_env_file_is_an_error(workdir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.env does not exist"):
        load_settings(env={}, env_file=tmp_path / "nope.env")


def test_keys_table_theme_and_sandbox_connection(workdir: Path, config_path: Path) -> None:
    write_config(
        config_path,
        'theme = "nord"\n[keys]\nsave = "ctrl+s,f2"\nquit = "ctrl+q"\n'
        '[sandbox]\nconnection_id = "sandbox-conn"\n',
    )
    settings = load_settings(env={})
    assert settings.theme == "nord"
    assert settings.keymap == {"save": "ctrl+s,f2", "quit": "ctrl+q"}
    assert settings.sandbox_connection_id == "sandbox-conn"
    assert settings.sources["theme"] == f"config ({config_path})"


def test_invalid_toml_names_the_file_and_the_line(workdir: Path, config_path: Path) -> None:
    write_config(config_path, 'api_key = "ok"\nuser_id = \nbase_url = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(env={})
    assert str(config_path) in caught.value.sentence
    assert "line 2" in caught.value.sentence


def test_a_wrongly_typed_value_names_the_file_and_the_line(
    workdir: Path, config_path: Path
) -> None:
    write_config(config_path, "# settings\n\napi_key = 12345\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(env={})
    message = str(caught.value)
    assert str(config_path) in message and "line 3" in message and "api_key" in message


def test_a_non_table_keys_entry_is_an_error(workdir: Path, config_path: Path) -> None:
    write_config(config_path, 'keys = "ctrl+s"\n')
    with pytest.raises(ConfigError, match="keys must be a table"):
        load_settings(env={})


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "production.runalloy.com",
        "http://",
        "https://:443",
        "http://h:99999",
        "https://h/?x=1",
    ],
)
def test_a_bad_base_url_is_a_config_error(workdir: Path, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"ALLOY_BASE_URL": url})
    assert "ALLOY_BASE_URL (from env)" in caught.value.sentence


@pytest.mark.parametrize(
    "uri",
    [
        "https://127.0.0.1:0/cb",
        "http://example.com:3000/oauth/callback",
        "http://0.0.0.0:3000/oauth/callback",
        "http://127.0.0.1:3000",
        "http://127.0.0.1:3000/",
        "http://127.0.0.1:3000/cb?x=1",
        "http://127.0.0.1:abc/cb",
        "http://user:pw@127.0.0.1:3000/cb",
        "http://127.0.0.1:3000/a/../b",
        "http://127.0.0.1:3000/a b",
    ],
)
def test_a_bad_redirect_uri_is_a_config_error(workdir: Path, uri: str) -> None:
    with pytest.raises(ConfigError, match="OAUTH_REDIRECT_URI"):
        load_settings(flags={"redirect_uri": uri}, env={})


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:0/oauth/callback",
        "http://localhost:3000/oauth/callback",
        "http://LOCALHOST:8080/cb/",
        "http://127.0.0.1/oauth/callback",
    ],
)
def test_loopback_redirect_uris_are_accepted(workdir: Path, uri: str) -> None:
    assert load_settings(env={"OAUTH_REDIRECT_URI": uri}).redirect_uri == uri


def test_a_user_id_that_is_not_an_object_id_is_a_warning(workdir: Path) -> None:
    settings = load_settings(env={"ALLOY_USER_ID": "not-an-id"})
    assert settings.user_id == "not-an-id"
    assert any("ALLOY_USER_ID" in warning for warning in settings.warnings)
    assert not load_settings(env={"ALLOY_USER_ID": "64f0a1b2c3d4e5f601234567"}).warnings


def test_the_key_never_appears_in_the_settings_repr(workdir: Path) -> None:
    settings = load_settings(env={"ALLOY_API_KEY": KEY})
    assert KEY not in repr(settings) and KEY not in str(settings)
    assert settings.api_key.reveal() == KEY


def test_with_overrides_validates_and_marks_the_source(workdir: Path) -> None:
    settings = load_settings(env={"ALLOY_API_KEY": KEY})
    changed = settings.with_overrides(
        source="sandbox", api_key="sandbox-key", base_url="http://127.0.0.1:9/", sandbox=True
    )
    assert isinstance(changed, Settings)
    assert changed.api_key.reveal() == "sandbox-key"
    assert changed.base_url == "http://127.0.0.1:9"
    assert changed.sources["api_key"] == "sandbox" and changed.sandbox
    assert settings.api_key.reveal() == KEY  # the original is unchanged
    with pytest.raises(ConfigError):
        settings.with_overrides(redirect_uri="http://evil.example/cb")
    with pytest.raises(TypeError):
        settings.with_overrides(no_such_setting=1)


def test_save_creates_the_file_0600_and_keeps_other_keys(config_path: Path) -> None:
    write_config(
        config_path,
        'api_key = "keep-me"\ntheme = "nord"\n[keys]\nsave = "ctrl+s"\n'
        '[sandbox]\nconnection_id = "sb"\n',
    )
    os.chmod(config_path, 0o644)
    saved = save_config_values({"CONNECTION_ID": "conn-1", "base_url": "http://h"})
    assert saved == config_path
    data = tomllib.loads(config_path.read_text())
    assert data == {
        "api_key": "keep-me",
        "theme": "nord",
        "connection_id": "conn-1",
        "base_url": "http://h",
        "keys": {"save": "ctrl+s"},
        "sandbox": {"connection_id": "sb"},
    }
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    save_config_values({"base_url": None, "theme": None})
    data = tomllib.loads(config_path.read_text())
    assert "base_url" not in data and "theme" not in data and data["api_key"] == "keep-me"


def test_save_into_a_fresh_config_dir(isolated_dirs: dict[str, Path]) -> None:
    path = save_config_values({"user_id": "64f0a1b2c3d4e5f601234567"})
    assert path == isolated_dirs["config"] / "alloy-tui" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text()) == {"user_id": "64f0a1b2c3d4e5f601234567"}


def test_save_refuses_to_overwrite_a_broken_config(config_path: Path) -> None:
    write_config(config_path, "this is = = not toml\n")
    with pytest.raises(ConfigError):
        save_config_values({"connection_id": "x"})
    assert config_path.read_text() == "this is = = not toml\n"


def test_save_active_connection_keeps_sandbox_ids_apart(workdir: Path, config_path: Path) -> None:
    write_config(config_path, 'connection_id = "real-conn"\n')
    settings = load_settings(env={})
    save_active_connection("sandbox-conn", settings.with_overrides(sandbox=True))
    save_active_connection("real-conn-2", settings)
    reloaded = load_settings(env={})
    assert reloaded.connection_id == "real-conn-2"
    assert reloaded.sandbox_connection_id == "sandbox-conn"


def test_atomic_write_creates_0600_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "dir" / "draft.json"
    modes: list[int] = []
    real_fdopen = os.fdopen

    def spy_fdopen(fd: int, *args: object, **kwargs: object) -> object:
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))  # the mode before any byte is written
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", spy_fdopen)
    atomic_write_text(target, "secret draft")
    assert modes == [0o600]
    assert target.read_text() == "secret draft"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["draft.json"]  # no temp file left


def test_atomic_write_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cfg" / "config.toml"
    target.parent.mkdir()
    target.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]


def test_saving_keeps_the_users_comments_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "# my Alloy account\n"
        'base_url = "https://production.runalloy.com"  # prod\n'
        "\n"
        "[keys]\n"
        '# save with ctrl+w\n"page.save" = "ctrl+w"\n',
        encoding="utf-8",
    )
    save_config_values({"connection_id": "65a1b2c3d4e5f60718293a4b"}, path)
    save_config_values({"sandbox.connection_id": "fee0ba697915efa0736d1187"}, path)
    text = path.read_text(encoding="utf-8")
    for kept in ("# my Alloy account", "# prod", "# save with ctrl+w", '"page.save" = "ctrl+w"'):
        assert kept in text
    data = tomllib.loads(text)
    assert data["connection_id"] == "65a1b2c3d4e5f60718293a4b"
    assert data["sandbox"]["connection_id"] == "fee0ba697915efa0736d1187"
    assert data["keys"] == {"page.save": "ctrl+w"}


def test_a_config_file_symlinked_by_a_dotfile_manager_still_loads(
    workdir: Path, config_path: Path, tmp_path: Path
) -> None:
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text('user_id = "0123456789abcdef01234567"\n', encoding="utf-8")
    config_path.symlink_to(real)
    assert load_settings(env={}).user_id == "0123456789abcdef01234567"
