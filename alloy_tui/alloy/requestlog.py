"""The request log: a ring buffer of redacted request records, observable, with copy-as-curl."""

from __future__ import annotations

import itertools
import json
import logging
import re
import shlex
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from alloy_tui.alloy.secret import Secret

_logger = logging.getLogger(__name__)

REDACTED: Final = "[REDACTED]"
SENSITIVE_KEYS: Final = frozenset(
    {
        "token",
        "code",
        "state",
        "access_token",
        "refresh_token",
        "client_secret",
        "api_key",
        "apikey",
        "id_token",
        "password",
        # Alloy's own bodies are camelCase (`credentialId`, `redirectUri`...).
        "accesstoken",
        "refreshtoken",
        "clientsecret",
        "idtoken",
    }
)
"""Keys and query parameters whose value is a secret (compared case-insensitively)."""
SENSITIVE_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "cookies", "set-cookie", "x-api-key"}
)
"""Headers (and body keys) whose whole value is a secret, whatever its type."""
MIN_KNOWN_SECRET: Final = 4
"""A value seen under a secret key is scrubbed from free text only from this length on: a
shorter one is no secret worth the name, and scrubbing it would blank ordinary words."""
MAX_KNOWN_SECRETS: Final = 64
"""Values seen under secret keys (codes, states, tokens) kept for scrubbing, newest first."""
DEFAULT_BODY_CAP: Final = 16 * 1024
"""Bodies kept in the log are cut to this many characters of JSON."""

_KEY_ALTERNATION = "|".join(sorted(map(re.escape, SENSITIVE_KEYS), key=len, reverse=True))
_QUERY_PAIR = re.compile(rf"(?i)(?<![\w-])({_KEY_ALTERNATION})=([^&\s#\"']*)")
_JSON_PAIR = re.compile(rf'(?i)("(?:{_KEY_ALTERNATION})"\s*:\s*)"(?:[^"\\]|\\.)*"')
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# One cheap scan first: most strings in a Notion body (titles, ids, text) hold nothing to hide.
_SUSPECT_WORDS: Final = (
    "bearer",
    "basic",
    "authorization",
    "cookie",
    "x-api-key",
    "token",
    "code",
    "state",
    "secret",
    "apikey",
    "api_key",
    "password",
)
_SUSPECT = re.compile("|".join(map(re.escape, _SUSPECT_WORDS)))  # run on lower-cased text
_HEADER_LINE = re.compile(r"(?im)^((?:proxy-)?authorization|cookie|set-cookie|x-api-key)\s*:.*$")


def _is_error_code(key: str, container: Mapping[str, Any]) -> bool:
    # `code` beside `message` is an API error code (Notion's and Alloy's error bodies), which the
    # log must keep; an OAuth code never travels with a message.
    return key.lower() == "code" and "message" in container


def secret_values(value: Any) -> list[str]:
    """The secrets a body carries by name: string values of sensitive keys and headers (a
    header's `Bearer` token too), and sensitive query parameters of the URLs it holds."""
    found: list[str] = []

    def walk(item: Any, depth: int) -> None:
        if depth > 64:
            return
        if isinstance(item, Mapping):
            for key, inner in item.items():
                lower = str(key).lower()
                if isinstance(inner, str) and (
                    lower in SENSITIVE_HEADERS
                    or (lower in SENSITIVE_KEYS and not _is_error_code(str(key), item))
                ):
                    found.append(inner)
                    scheme, _, credential = inner.partition(" ")
                    if credential and scheme.lower() in ("bearer", "basic"):
                        found.append(credential.strip())
                else:
                    walk(inner, depth + 1)
        elif isinstance(item, list | tuple):
            for inner in item:
                walk(inner, depth + 1)
        elif isinstance(item, str) and "?" in item and "://" in item and " " not in item:
            found.extend(_query_secrets(item))

    walk(value, 0)
    return found


def _query_secrets(url: str) -> list[str]:
    try:
        query = urlsplit(url).query
        pairs = parse_qsl(query, keep_blank_values=False)
    except ValueError:
        return []
    return [v for k, v in pairs if k.lower() in SENSITIVE_KEYS]


Secrets = tuple[Secret | str, ...]
"""Values to scrub wherever they appear. Pass `Secret`s: they are revealed only inside
`_scrub_known`, so no frame that can fail (and be shown with its locals in a crash report) holds
the revealed key in a variable."""


def _scrub_known(text: str, secrets: Secrets) -> str:
    for secret in secrets:
        if isinstance(secret, Secret):
            if secret and secret.reveal() in text:
                text = text.replace(secret.reveal(), REDACTED)
        elif secret and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_text(text: str, secrets: Secrets = ()) -> str:
    """Hide secrets in free text: URLs' query strings, JSON fragments, auth headers, known keys."""
    text = _scrub_known(text, secrets)
    if not _SUSPECT.search(text.lower()):
        return text
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _HEADER_LINE.sub(lambda m: f"{m.group(1)}: {REDACTED}", text)
    text = _JSON_PAIR.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    return _QUERY_PAIR.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


def redact_url(url: str, secrets: Secrets = ()) -> str:
    """A URL with sensitive query parameters and any user:password hidden."""
    if "?" not in url and "@" not in url:
        return redact_text(url, secrets) if secrets else url
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url, secrets)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if k.lower() in SENSITIVE_KEYS else v) for k, v in pairs], safe="[]"
        )
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return redact_text(rebuilt, secrets) if secrets else rebuilt


def redact(value: Any, secrets: Secrets = ()) -> Any:
    """The one redaction used by the request log, debug output and copy-as-curl.

    Mappings: values of sensitive keys and headers are replaced (nested containers under a
    sensitive key are still walked, so a Notion `code` block keeps its content); strings are
    scanned for URLs' query parameters, JSON fragments and auth headers; anything else is kept.
    """
    kind = type(value)
    if kind is str:
        return _redact_str(value, secrets)
    if kind is dict or isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            lower = name.lower()
            if lower in SENSITIVE_HEADERS:
                out[name] = REDACTED
            elif (
                lower in SENSITIVE_KEYS
                and not isinstance(item, Mapping | list | tuple)
                and not _is_error_code(name, value)
            ):
                out[name] = REDACTED if item is not None else None
            else:
                out[name] = redact(item, secrets)
        return out
    if kind is list or kind is tuple:
        return [redact(item, secrets) for item in value]
    if isinstance(value, bytes | bytearray):
        return redact_text(bytes(value).decode("utf-8", errors="replace"), secrets)
    if isinstance(value, str):
        return _redact_str(value, secrets)
    return value


def _redact_str(value: str, secrets: Secrets) -> str:
    if "://" in value and " " not in value and ("?" in value or "@" in value):
        return redact_url(value, secrets)
    return redact_text(value, secrets)


def cap_body(value: Any, cap: int = DEFAULT_BODY_CAP) -> Any:
    """Keep a (redacted) body whole when its JSON is small, else a truncated JSON string."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) <= cap:
        return value
    return f"{text[:cap]}… ({len(text) - cap} more characters)"


@dataclass
class RequestRecord:
    """One client call (all its attempts), as the inspector and copy-as-curl show it."""

    id: int
    started_at: datetime
    method: str
    url: str
    connector: str | None = None
    action: str | None = None
    connection_id: str | None = None
    status: int | None = None
    latency_ms: float | None = None
    attempts: int = 0
    waited_s: float = 0.0
    request_body: Any = None
    error: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    finished: bool = False
    # The answer is redacted when first read: the inspector opens few records, and walking
    # every answer on the hot path would cost more than the rest of the client together.
    _response: Any = field(default=None, repr=False, compare=False)
    _pending: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.finished and self.error is None

    @property
    def response_body(self) -> Any:
        """The answer's JSON (or text), redacted and cut to the log's cap."""
        if self._pending is not None:
            self._response = self._pending()
            self._pending = None
        return self._response


@dataclass(frozen=True)
class RequestEvent:
    kind: Literal["started", "finished"]
    record: RequestRecord


class RequestLog:
    """Ring buffer of the last `maxlen` calls; subscribers hear each start and finish."""

    def __init__(self, maxlen: int = 500, *, body_cap: int = DEFAULT_BODY_CAP) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._subscribers: list[Callable[[RequestEvent], None]] = []
        self._ids = itertools.count(1)
        self._keys: list[Secret] = []
        self._seen: deque[Secret] = deque(maxlen=MAX_KNOWN_SECRETS)
        self._secrets: tuple[Secret, ...] = ()
        self._in_flight = 0
        self.body_cap = body_cap

    def add_secret(self, secret: Secret | str | None) -> None:
        """Scrub this secret's value wherever it would appear in a logged string or an error.

        A `Secret` (the API key) is kept for the log's lifetime; a plain string (an OAuth code or
        state, a token seen in a body) joins the last MAX_KNOWN_SECRETS such values, and only
        from MIN_KNOWN_SECRET characters on.
        """
        if isinstance(secret, Secret):
            if secret and secret not in self._keys:
                self._keys.append(secret)
                self._reorder()
            return
        if not secret or len(secret.strip()) < MIN_KNOWN_SECRET:
            return
        wrapped = Secret(secret.strip())
        if wrapped in self._keys:
            return
        if wrapped in self._seen:
            self._seen.remove(wrapped)
        self._seen.appendleft(wrapped)
        self._reorder()

    def remember_secrets(self, value: Any) -> None:
        """Register every secret `value` (a request or an answer) carries by name."""
        for found in secret_values(value):
            self.add_secret(found)

    def _reorder(self) -> None:
        # Longest first: a code inside a token must not leave the token's other characters.
        known = [*self._keys, *self._seen]
        self._secrets = tuple(sorted(known, key=lambda s: -len(s.reveal())))

    def redact(self, value: Any) -> Any:
        return redact(value, self._secrets)

    def subscribe(self, callback: Callable[[RequestEvent], None]) -> Callable[[], None]:
        """Call `callback` on every start and finish; returns a function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self.unsubscribe(callback)

    def unsubscribe(self, callback: Callable[[RequestEvent], None]) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def records(self) -> list[RequestRecord]:
        return list(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def get(self, record_id: int) -> RequestRecord | None:
        return next((r for r in self._records if r.id == record_id), None)

    def clear(self) -> None:
        self._records.clear()

    def start(
        self,
        method: str,
        url: str,
        *,
        started_at: datetime,
        connector: str | None = None,
        action: str | None = None,
        connection_id: str | None = None,
        request_body: Any = None,
        request_headers: Mapping[str, str] | None = None,
    ) -> RequestRecord:
        secrets = self._secrets
        record = RequestRecord(
            id=next(self._ids),
            started_at=started_at,
            method=method,
            url=redact_url(url, secrets),
            connector=connector,
            action=action,
            connection_id=connection_id,
            request_body=cap_body(redact(request_body, secrets), self.body_cap),
            request_headers=redact(dict(request_headers or {}), secrets),
        )
        self._records.append(record)
        self._in_flight += 1
        self._emit(RequestEvent("started", record))
        return record

    def finish(
        self,
        record: RequestRecord,
        *,
        status: int | None,
        latency_ms: float,
        attempts: int,
        waited_s: float,
        response_body: Any = None,
        response_raw: bytes | None = None,
        error: str | None = None,
    ) -> None:
        """Close a record. The answer is given parsed (`response_body`) or as the raw bytes,
        which the log keeps (one object, cheap for the garbage collector) and decodes when read."""
        if record.finished:
            return
        record.status = status
        record.latency_ms = latency_ms
        record.attempts = attempts
        record.waited_s = waited_s
        cap = self.body_cap  # the key is revealed only when the answer is first read
        if response_body is not None:
            record._pending = lambda: cap_body(self.redact(response_body), cap)
        elif response_raw:
            kept = response_raw[: cap * 4]  # enough for `cap` characters of any UTF-8 text
            whole = len(kept) == len(response_raw)
            record._pending = lambda: self._decode_raw(kept, whole, len(response_raw))
        record.error = self.redact(error) if error is not None else None
        record.finished = True
        self._in_flight -= 1
        self._emit(RequestEvent("finished", record))

    def _decode_raw(self, raw: bytes, whole: bool, size: int) -> Any:
        if whole:
            try:
                return cap_body(self.redact(json.loads(raw)), self.body_cap)
            except (ValueError, RecursionError):
                pass
        text = self.redact(raw.decode("utf-8", errors="replace"))
        if len(text) > self.body_cap or not whole:
            return f"{text[: self.body_cap]}… ({size} bytes in all)"
        return text

    def _emit(self, event: RequestEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                # A broken view of the log (the inspector, the status bar) must not fail the
                # call it is watching; the error still reaches the debug log.
                _logger.exception("request log subscriber failed")


def to_curl(record: RequestRecord) -> str:
    """A pasteable curl command; the key is `$ALLOY_API_KEY`, never its value."""
    parts = ["curl", "-X", record.method, shlex.quote(redact_url(record.url))]
    parts += ["-H", '"Authorization: Bearer $ALLOY_API_KEY"']
    for name, value in record.request_headers.items():
        if name.lower() in SENSITIVE_HEADERS:
            continue
        parts += ["-H", shlex.quote(f"{name}: {redact(value)}")]
    if record.request_body is not None:
        body = record.request_body
        text = body if isinstance(body, str) else json.dumps(redact(body), ensure_ascii=False)
        parts += ["--data-raw", shlex.quote(text)]
    return " ".join(parts)
