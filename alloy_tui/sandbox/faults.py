"""Fault injection for the Alloy endpoints: rules, the --faults spec and the middleware."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FAULT_KINDS: Final = ("latency", "status", "rate_limit", "malformed", "drop", "drip")
MALFORMED_BODIES: Final = ("invalid_json", "html", "empty", "wrong_shape", "huge")
HUGE_BODY_BYTES: Final = 25 * 1024 * 1024
"""Over the client's 20 MB response cap, streamed so the sandbox never holds it in memory."""

_COMMON_KEYS: Final = frozenset({"kind", "match", "count", "probability"})
_KIND_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "latency": frozenset({"ms"}),
    "status": frozenset({"status", "retry_after"}),
    "rate_limit": frozenset({"retry_after"}),
    "malformed": frozenset({"body", "status"}),
    "drop": frozenset(),
    "drip": frozenset({"bytes_per_second"}),
}

# Notion's error codes for the statuses a fault can produce.
NOTION_ERROR_CODES: Final[Mapping[int, tuple[str, str]]] = {
    400: ("invalid_request", "This request is not supported."),
    401: ("unauthorized", "API token is invalid."),
    403: ("restricted_resource", "API token does not have access to this resource."),
    404: ("object_not_found", "Could not find the requested object."),
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    429: ("rate_limited", "You have been rate limited. Please try again in a few minutes."),
    500: ("internal_server_error", "Unexpected error occurred."),
    502: ("bad_gateway", "Notion encountered an issue while attempting to complete this request."),
    503: ("service_unavailable", "Notion is unavailable, please try again later."),
    504: ("gateway_timeout", "Notion timed out while attempting to complete this request."),
    529: ("service_overload", "Notion is overloaded, please try again later."),
}


def notion_error(
    status: int, code: str | None = None, message: str | None = None
) -> dict[str, Any]:
    """Notion's error body; code and message default to Notion's for that status."""
    default_code, default_message = NOTION_ERROR_CODES.get(
        status, ("internal_server_error", "Unexpected error occurred.")
    )
    return {
        "object": "error",
        "status": status,
        "code": code or default_code,
        "message": message or default_message,
    }


@dataclass(frozen=True)
class FaultRule:
    """One fault: what to do, to which requests, how many times and how often."""

    kind: str
    match: str | None = None
    count: int | None = None
    probability: float = 1.0
    status: int | None = None
    retry_after: str | None = None
    ms: int = 200
    body: str = "invalid_json"
    bytes_per_second: float = 1.0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> FaultRule:
        """Validate a rule given as JSON; raises ValueError naming the problem."""
        if not isinstance(raw, Mapping):
            raise ValueError(f"a fault rule must be an object, not {_json_type(raw)}")
        kind = raw.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {kind!r}; expected one of: {', '.join(FAULT_KINDS)}"
            )
        allowed = _COMMON_KEYS | _KIND_KEYS[kind]
        unknown = sorted(str(key) for key in raw if key not in allowed)
        if unknown:
            raise ValueError(
                f"{kind} fault: unknown option {unknown[0]!r}; "
                f"allowed: {', '.join(sorted(allowed - {'kind'}))}"
            )
        values: dict[str, Any] = {"kind": kind}
        if raw.get("match") is not None:
            values["match"] = _string(kind, "match", raw["match"])
            if not values["match"]:
                raise ValueError(f"{kind} fault: match must not be empty")
        if raw.get("count") is not None:
            values["count"] = _integer(kind, "count", raw["count"], 0, None)
        if "probability" in raw:
            probability = raw["probability"]
            if isinstance(probability, bool) or not isinstance(probability, int | float):
                raise ValueError(f"{kind} fault: probability must be a number between 0 and 1")
            if not 0.0 <= float(probability) <= 1.0:
                raise ValueError(f"{kind} fault: probability must be between 0 and 1")
            values["probability"] = float(probability)
        if raw.get("status") is not None:
            values["status"] = _integer(kind, "status", raw["status"], 100, 599)
        if raw.get("retry_after") is not None:
            retry_after = raw["retry_after"]
            if isinstance(retry_after, bool) or not isinstance(retry_after, str | int | float):
                raise ValueError(f"{kind} fault: retry_after must be a string (sent verbatim)")
            text = str(retry_after)
            if any(ch in text for ch in "\r\n\0"):
                raise ValueError(f"{kind} fault: retry_after must be a single header line")
            values["retry_after"] = text
        if "ms" in raw:
            values["ms"] = _integer(kind, "ms", raw["ms"], 0, 600_000)
        if "body" in raw:
            body = raw["body"]
            if body not in MALFORMED_BODIES:
                raise ValueError(
                    f"malformed fault: unknown body {body!r}; "
                    f"expected one of: {', '.join(MALFORMED_BODIES)}"
                )
            values["body"] = body
        if "bytes_per_second" in raw:
            rate = raw["bytes_per_second"]
            if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
                raise ValueError("drip fault: bytes_per_second must be a positive number")
            values["bytes_per_second"] = float(rate)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "match": self.match,
            "count": self.count,
            "probability": self.probability,
        }
        if self.kind == "latency":
            data["ms"] = self.ms
        if self.kind in ("status", "malformed"):
            data["status"] = self.response_status
        if self.kind in ("status", "rate_limit"):
            data["retry_after"] = self.retry_after
        if self.kind == "malformed":
            data["body"] = self.body
        if self.kind == "drip":
            data["bytes_per_second"] = self.bytes_per_second
        return data

    @property
    def response_status(self) -> int:
        if self.status is not None:
            return self.status
        return {"status": 503, "rate_limit": 429}.get(self.kind, 200)


def _json_type(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def _string(kind: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{kind} fault: {key} must be a string")
    return value


def _integer(kind: str, key: str, value: Any, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{kind} fault: {key} must be a whole number, not {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{kind} fault: {key} must be {bound}, not {value}")
    return value


def rules_from_json(raw: Any) -> list[FaultRule]:
    """A JSON list of rules (the admin endpoint's `rules`); raises ValueError naming the rule."""
    if not isinstance(raw, list):
        raise ValueError(f"rules must be a list, not {_json_type(raw)}")
    rules = []
    for index, item in enumerate(raw):
        try:
            rules.append(FaultRule.from_mapping(item))
        except ValueError as exc:
            raise ValueError(f"rules[{index}]: {exc}") from None
    return rules


# --faults SPEC -------------------------------------------------------------------------------

_SPEC_CONVERTERS: Final[Mapping[str, Callable[[str], Any]]] = {
    "count": lambda text: None if text.lower() in ("null", "none", "always") else int(text),
    "probability": float,
    "status": int,
    "ms": int,
    "bytes_per_second": float,
    "retry_after": str,
    "match": str,
    "body": str,
}


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise ValueError(f"unterminated quote in {text!r}")
    parts.append("".join(current))
    return parts


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def parse_faults(spec: str) -> list[FaultRule]:
    """Parse `kind[:key=value,...];...`, e.g. "latency:ms=200;status:status=503,count=3".

    A value holding `,` or `;` (an HTTP date for retry_after) goes in double quotes.
    Raises ValueError with a message naming the rule at fault.
    """
    rules: list[FaultRule] = []
    for index, chunk in enumerate(_split_outside_quotes(spec, ";"), start=1):
        chunk = chunk.strip()
        if not chunk:
            continue
        kind, _, options = chunk.partition(":")
        raw: dict[str, Any] = {"kind": kind.strip()}
        for option in _split_outside_quotes(options, ",") if options.strip() else []:
            key, equals, value = option.partition("=")
            key = key.strip()
            if not equals or not key:
                raise ValueError(
                    f"fault rule {index} ({chunk!r}): expected key=value, got {option!r}"
                )
            if key in raw:
                raise ValueError(f"fault rule {index} ({chunk!r}): {key} given twice")
            converter = _SPEC_CONVERTERS.get(key)
            text = _unquote(value)
            if converter is None:
                raw[key] = text  # from_mapping rejects it with the list of allowed options
                continue
            try:
                raw[key] = converter(text)
            except ValueError:
                raise ValueError(
                    f"fault rule {index} ({chunk!r}): {key}={text!r} is not a valid value"
                ) from None
        try:
            rules.append(FaultRule.from_mapping(raw))
        except ValueError as exc:
            raise ValueError(f"fault rule {index} ({chunk!r}): {exc}") from None
    return rules


# Choosing faults --------------------------------------------------------------------------


@dataclass
class _ActiveRule:
    rule: FaultRule
    remaining: int | None


@dataclass
class FaultPlan:
    """What to do to one request: latencies to add, then at most one terminal fault."""

    latency_ms: int = 0
    fault: FaultRule | None = None


@dataclass
class FaultInjector:
    """The live rule set; deterministic for a given seed and request sequence."""

    seed: int = 0
    _rules: list[_ActiveRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def replace(self, rules: list[FaultRule], seed: int | None = None) -> None:
        with self._lock:
            if seed is not None:
                self.seed = seed
            self._random.seed(self.seed)
            self._rules = [_ActiveRule(rule, rule.count) for rule in rules]

    def clear(self) -> None:
        self.replace([])

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seed": self.seed,
                "rules": [
                    {**active.rule.to_json(), "remaining": active.remaining}
                    for active in self._rules
                ],
            }

    def plan(self, path: str, action_ids: tuple[str, ...] = ()) -> FaultPlan:
        """Consume the rules that fire for this request (counts go down as they fire)."""
        plan = FaultPlan()
        with self._lock:
            for active in self._rules:
                rule = active.rule
                if rule.kind != "latency" and plan.fault is not None:
                    continue
                if active.remaining is not None and active.remaining <= 0:
                    continue
                if rule.match is not None and not (
                    rule.match in path or any(rule.match in action for action in action_ids)
                ):
                    continue
                # Only draw from the generator when it matters, so adding an always-on rule
                # does not shift which requests a probabilistic one hits.
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                if active.remaining is not None:
                    active.remaining -= 1
                if rule.kind == "latency":
                    plan.latency_ms += rule.ms
                else:
                    plan.fault = rule
        return plan


# The middleware ---------------------------------------------------------------------------

_JSON = (b"content-type", b"application/json")


async def _send_bytes(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _retry_after(rule: FaultRule) -> list[tuple[bytes, bytes]]:
    return [] if rule.retry_after is None else [(b"retry-after", rule.retry_after.encode())]


def _huge_chunks() -> Iterator[bytes]:
    """A valid JSON list object of HUGE_BODY_BYTES, in 64 KB pieces."""
    head = b'{"object":"list","type":"block","block":{},"results":['
    tail = b'],"next_cursor":null,"has_more":false}'
    item = (
        b'{"object":"block","type":"paragraph","paragraph":{"rich_text":[],"color":"default"},'
        b'"padding":"' + b"x" * 900 + b'"}'
    )
    items_per_chunk = 64
    chunk = b",".join([item] * items_per_chunk)
    yield head + chunk
    sent = len(head) + len(chunk)
    while sent + len(chunk) + 1 + len(tail) <= HUGE_BODY_BYTES:
        yield b"," + chunk
        sent += len(chunk) + 1
    yield b"," + item + b" " * max(0, HUGE_BODY_BYTES - sent - len(item) - 1 - len(tail)) + tail


_MALFORMED: Final[Mapping[str, tuple[bytes, bytes]]] = {
    "invalid_json": (
        b'{"object": "list", "results": [{"object": "page", "id": ',
        b"application/json",
    ),
    "html": (
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
        b"<body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
        b"text/html; charset=utf-8",
    ),
    "empty": (b"", b"application/json"),
    "wrong_shape": (
        b'{"object": "banana", "results": 42, "data": "not a list", "id": null}',
        b"application/json",
    ),
}


class FaultMiddleware:
    """Applies the injector's faults to the requests `applies(path)` selects."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        injector: FaultInjector,
        applies: Callable[[str], bool],
        action_ids: Callable[[str], tuple[str, ...]],
    ) -> None:
        self.app = app
        self.injector = injector
        self.applies = applies
        self.action_ids = action_ids

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        plan = self.injector.plan(path, self.action_ids(path))
        if plan.latency_ms:
            await asyncio.sleep(plan.latency_ms / 1000)
        rule = plan.fault
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.kind == "status":
            body = json.dumps(notion_error(rule.response_status)).encode()
            await _send_bytes(send, rule.response_status, body, [_JSON, *_retry_after(rule)])
        elif rule.kind == "rate_limit":
            body = json.dumps(notion_error(429)).encode()
            await _send_bytes(send, 429, body, [_JSON, *_retry_after(rule)])
        elif rule.kind == "malformed":
            await self._malformed(rule, send)
        elif rule.kind == "drop":
            await self._drop(receive)
        else:
            await self._drip(rule, scope, receive, send)

    async def _malformed(self, rule: FaultRule, send: Send) -> None:
        if rule.body != "huge":
            body, content_type = _MALFORMED[rule.body]
            await _send_bytes(send, rule.response_status, body, [(b"content-type", content_type)])
            return
        await send(
            {"type": "http.response.start", "status": rule.response_status, "headers": [_JSON]}
        )
        for chunk in _huge_chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _drop(self, receive: Receive) -> None:
        # ASGI has no "close without answering"; uvicorn answers 500 to an app that raises
        # before responding. So reach the connection's transport (uvicorn's receive is a bound
        # method of the request cycle that holds it) and abort it: the client sees the
        # connection close with no response at all.
        transport = getattr(getattr(receive, "__self__", None), "transport", None)
        if not isinstance(transport, asyncio.BaseTransport):
            raise ConnectionAbortedError("drop fault: the server does not expose its transport")
        abort = getattr(transport, "abort", transport.close)
        abort()
        # Let connection_lost run so uvicorn knows the client is gone and sends nothing.
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    async def _drip(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, capture)
        if start is None:
            raise RuntimeError("drip fault: the endpoint sent no response")
        headers = [
            (name, value) for name, value in start.get("headers", []) if name != b"content-length"
        ]
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        # Pace in slices of at least 50 ms so a fast drip does not become a storm of writes.
        per_slice = max(1, int(rule.bytes_per_second * 0.05))
        data = bytes(body)
        for offset in range(0, len(data), per_slice):
            piece = data[offset : offset + per_slice]
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            await asyncio.sleep(len(piece) / rule.bytes_per_second)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
