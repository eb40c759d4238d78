"""The request log: a ring buffer of redacted request records, observable, with copy-as-curl."""

from __future__ import annotations

import itertools
import json
import logging
import re
import shlex
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
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


def _suspect(lowered: str) -> bool:
    """Whether lower-cased text holds a word a secret travels with (a dozen substring scans
    cost less than one regex alternation tried at every character, or than `any` over a
    generator, which this loop is twice as fast as)."""
    for word in _SUSPECT_WORDS:  # noqa: SIM110
        if word in lowered:
            return True
    return False


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


def _trie(words: list[str]) -> str:
    """An alternation of `words` as a regex trie, one character tried at each step: a body's
    every `":"` is a place the names are tried at, and a trie rejects most after one character
    instead of trying each name (a third less time on a 100-block body)."""
    if words == [""]:
        return ""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[:1], []).append(word[1:])
    optional = "" in groups
    parts = [re.escape(first) + _trie(rest) for first, rest in sorted(groups.items()) if first]
    body = parts[0] if len(parts) == 1 and not optional else f"(?:{'|'.join(parts)})"
    return body + ("?" if optional else "")


# Searched in the reversed text, so that each pattern starts with a literal (`":"`, `=`) that
# the regex engine skips to quickly, instead of trying every name at every character.
_REVERSED_NAMED_STRING = re.compile(
    '":"' + _trie([f'{name[::-1]}"' for name in sorted(SENSITIVE_KEYS | SENSITIVE_HEADERS)])
)
_REVERSED_QUERY_PAIR = re.compile(
    "=" + _trie([name[::-1] for name in sorted(SENSITIVE_KEYS)]) + "[?&]"
)


def may_hold_secrets(compact_json: str) -> bool:
    """False when this JSON text cannot carry what `secret_values` finds: no sensitive key or
    header holding a string, no URL query parameter of a sensitive name. A cheap scan that
    spares walking most bodies (Notion blocks, filters), which hold nothing secret by name.

    The text must be what the client sends: `json.dumps(..., ensure_ascii=False,
    separators=(",", ":"))`, in which no escape sequence can spell a letter. Names are
    lower-cased as `secret_values` lower-cases them; a percent-encoded character (which could
    hide a query parameter's name) counts as a maybe."""
    if "%" in compact_json:
        return True
    reversed_text = compact_json[::-1].lower()
    return _REVERSED_NAMED_STRING.search(reversed_text) is not None or (
        "=" in compact_json and _REVERSED_QUERY_PAIR.search(reversed_text) is not None
    )


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


def scrub_known(text: str, secrets: Secrets) -> str:
    """Hide only the given secrets, guessing nothing else: for text whose form must survive
    (a page's Markdown, where `code=` in a link is no secret)."""
    return _scrub_known(text, secrets)


def redact_text(text: str, secrets: Secrets = ()) -> str:
    """Hide secrets in free text: URLs' query strings, JSON fragments, auth headers, known keys."""
    text = _scrub_known(text, secrets)
    if not _suspect(text.lower()):
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


class RequestRecord:
    """One client call (all its attempts), as the inspector and copy-as-curl show it.

    The URL, the request and the answer are redacted when first read: the inspector opens few
    records, and redacting every call on the hot path would cost more than the rest of the
    client together. Until then the record holds what it was given (the request's JSON text as
    sent, the answer's bytes) and the secrets known when the call started."""

    __slots__ = (
        "_log",
        "_request",
        "_request_text",
        "_response",
        "_response_parsed",
        "_response_raw",
        "_then",
        "_url",
        "_url_raw",
        "action",
        "attempts",
        "connection_id",
        "connector",
        "error",
        "finished",
        "id",
        "latency_ms",
        "method",
        "started_at",
        "status",
        "waited_s",
    )

    def __init__(
        self,
        id: int,
        started_at: datetime,
        method: str,
        url: str,
        connector: str | None = None,
        action: str | None = None,
        connection_id: str | None = None,
        status: int | None = None,
        latency_ms: float | None = None,
        attempts: int = 0,
        waited_s: float = 0.0,
        error: str | None = None,
        finished: bool = False,
    ) -> None:
        self.id = id
        self.started_at = started_at
        self.method = method
        self.connector = connector
        self.action = action
        self.connection_id = connection_id
        self.status = status
        self.latency_ms = latency_ms
        self.attempts = attempts
        self.waited_s = waited_s
        self.error = error
        self.finished = finished
        self._url: str | None = url  # None until `_url_raw` is redacted
        self._url_raw = url
        self._log: RequestLog | None = None
        self._then: tuple[Secret, ...] = ()
        self._request: tuple[Any, dict[str, str]] | None = None
        self._request_text: tuple[str, dict[str, str]] | None = None
        self._response: Any = None
        self._response_parsed: Any = None
        self._response_raw: tuple[bytes, int] | None = None

    def __repr__(self) -> str:
        return (
            f"RequestRecord(id={self.id}, method={self.method!r}, url={self.url!r}, "
            f"status={self.status!r}, finished={self.finished})"
        )

    @property
    def ok(self) -> bool:
        return self.finished and self.error is None

    @property
    def url(self) -> str:
        """The URL, with its query's secrets and any user:password hidden."""
        if self._url is None:
            log = self._log
            secrets = log._secrets_with(self._then) if log is not None else self._then
            self._url = redact_url(self._url_raw, secrets)
        return self._url

    @url.setter
    def url(self, value: str) -> None:
        self._url = self._url_raw = value

    @property
    def request_body(self) -> Any:
        """The request's JSON, redacted and cut to the log's cap."""
        return self._request_parts()[0]

    @property
    def request_headers(self) -> dict[str, str]:
        """The request's headers (without Authorization, which is added at send time), redacted."""
        return self._request_parts()[1]

    def _request_parts(self) -> tuple[Any, dict[str, str]]:
        if self._request_text is not None and self._log is not None:
            text, headers = self._request_text
            secrets = self._log._secrets_with(self._then)
            body = cap_body(redact(json.loads(text), secrets), self._log.body_cap)
            self._request = body, redact(headers, secrets)
            self._request_text = None
        return self._request if self._request is not None else (None, {})

    @property
    def response_body(self) -> Any:
        """The answer's JSON (or text), redacted and cut to the log's cap."""
        log = self._log
        if log is not None and self._response_parsed is not None:
            self._response = cap_body(log.redact(self._response_parsed), log.body_cap)
            self._response_parsed = None
        elif log is not None and self._response_raw is not None:
            self._response = log._decode_raw(self._response_raw)
            self._response_raw = None
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

    def remember_secrets(self, value: Any, compact_json: str | None = None) -> None:
        """Register every secret `value` (a request or an answer) carries by name. Given its
        compact JSON text (as sent), a value whose text cannot hold one is not walked at all."""
        if compact_json is not None and not may_hold_secrets(compact_json):
            return
        for found in secret_values(value):
            self.add_secret(found)

    def _reorder(self) -> None:
        # Longest first: a code inside a token must not leave the token's other characters.
        known = [*self._keys, *self._seen]
        self._secrets = tuple(sorted(known, key=lambda s: -len(s.reveal())))

    def redact(self, value: Any) -> Any:
        return redact(value, self._secrets)

    def _secrets_with(self, then: tuple[Secret, ...]) -> tuple[Secret, ...]:
        """The secrets known now and those known when a record was made (one of those may
        have been forgotten since: only the last MAX_KNOWN_SECRETS are kept)."""
        now = self._secrets
        if then is not now and not set(then) <= set(now):
            now = tuple(sorted(set(now) | set(then), key=lambda s: -len(s.reveal())))
        return now

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
        request_json: str | None = None,
        request_headers: Mapping[str, str] | None = None,
    ) -> RequestRecord:
        """Open a record. The body is given as its JSON text as sent (`request_json`, kept as
        is and parsed and redacted when first read) or as an object (`request_body`, redacted
        now: its owner may change it later). The URL and the headers are redacted when read."""
        record = RequestRecord(
            next(self._ids), started_at, method, url, connector, action, connection_id
        )
        record._url = None
        record._log = self
        record._then = secrets = self._secrets
        headers = dict(request_headers) if request_headers else {}
        if request_json is not None:
            record._request_text = request_json, headers
        else:
            body = cap_body(redact(request_body, secrets), self.body_cap)
            record._request = body, redact(headers, secrets)
        self._records.append(record)
        self._in_flight += 1
        if self._subscribers:
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
        which the log keeps (one object, cheap for the garbage collector) and decodes when read
        (the key is revealed only then)."""
        if record.finished:
            return
        record.status = status
        record.latency_ms = latency_ms
        record.attempts = attempts
        record.waited_s = waited_s
        if response_body is not None:
            record._response_parsed = response_body
        elif response_raw:
            # Enough for `body_cap` characters of any UTF-8 text, and the whole size.
            record._response_raw = response_raw[: self.body_cap * 4], len(response_raw)
        record.error = self.redact(error) if error is not None else None
        record.finished = True
        self._in_flight -= 1
        if self._subscribers:
            self._emit(RequestEvent("finished", record))

    def _decode_raw(self, kept: tuple[bytes, int]) -> Any:
        raw, size = kept
        whole = len(raw) == size
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
