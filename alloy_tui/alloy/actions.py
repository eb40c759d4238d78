"""Any connector's action catalog as the app reads it: connectors, actions and their parameter and
body schemas parsed tolerantly, inputs checked against them, and the execute call they make."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from alloy_tui.alloy.notion_api import ACTION_KINDS, CONNECTOR_ID, DATA_SOURCES_VERSION
from alloy_tui.alloy.requestlog import REDACTED, RequestRecord
from alloy_tui.alloy.retry import ActionKind

KIND_BY_METHOD: Final[Mapping[str, ActionKind]] = {
    "GET": ActionKind.READ,
    "HEAD": ActionKind.READ,
    "OPTIONS": ActionKind.READ,
    "PATCH": ActionKind.WRITE,
    "PUT": ActionKind.WRITE,
    "DELETE": ActionKind.WRITE,
}
"""POST (or anything unknown) is a CREATE: never resent once it may have reached the server."""
LOCATIONS: Final = ("path", "query", "header")
"""Where a parameter can go through Alloy's execute call (pathParams, queryParameters,
additionalHeaders); a parameter declared anywhere else is shown but cannot be sent."""


def _text(item: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


@dataclass(frozen=True)
class ConnectorInfo:
    """One entry of `GET /connectors`."""

    id: str
    name: str
    description: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def parse_connector(item: Any) -> ConnectorInfo | None:
    """A connector from any shape Alloy may list (an object or a bare id); None if it names none."""
    if isinstance(item, str) and item.strip():
        return ConnectorInfo(id=item.strip(), name=item.strip())
    if not isinstance(item, Mapping):
        return None
    ident = _text(item, "id", "connectorId", "connector_id", "key", "slug", "name")
    if not ident:
        return None
    name = _text(item, "name", "displayName", "display_name", "title") or ident
    description = _text(item, "description", "summary")
    return ConnectorInfo(ident, name, description, MappingProxyType(dict(item)))


@dataclass(frozen=True)
class Parameter:
    """One path, query or header parameter of an action."""

    name: str
    location: str
    required: bool
    type: str = "string"
    description: str = ""
    enum: tuple[Any, ...] = ()
    default: Any = None

    @property
    def sendable(self) -> bool:
        return self.location in LOCATIONS

    @property
    def hint(self) -> str:
        """What the field takes, for its placeholder: `string`, `one of a, b`, `true or false`."""
        if self.enum:
            return "one of " + ", ".join(str(v) for v in self.enum[:6])
        if self.type == "boolean":
            return "true or false"
        if self.type == "integer":
            return "a whole number"
        if self.type in ("object", "array"):
            return f"JSON {self.type}"
        return self.type


@dataclass(frozen=True)
class ActionInfo:
    """An action's catalog entry, with its details when `GET .../actions/{a}` gave them."""

    id: str
    name: str
    method: str = ""
    path: str = ""
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    body_schema: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def takes_body(self) -> bool:
        """Whether the form offers a body: the action declares one, or its method sends one."""
        return self.body_schema is not None or self.method in ("POST", "PUT", "PATCH")

    @property
    def label(self) -> str:
        return f"{self.method or '?'} {self.path or self.id}"


def _schema_type(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return "string"
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]
        kind = next((k for k in kind if k != "null"), "string")
    return kind if isinstance(kind, str) and kind else "string"


def _parameter(item: Any, name_hint: str | None = None) -> Parameter | None:
    if isinstance(item, str):
        return Parameter(name=item, location="query", required=False)
    if not isinstance(item, Mapping):
        return None
    name = _text(item, "name", "key", "id") or (name_hint or "")
    if not name:
        return None
    location = (_text(item, "in", "location", "type_in", "paramType") or "query").lower()
    if location in ("pathparams", "path_params"):
        location = "path"
    elif location in ("query_parameters", "queryparameters", "querystring"):
        location = "query"
    nested = item.get("schema")
    schema: Mapping[str, Any] = nested if isinstance(nested, Mapping) else item
    required = item.get("required")
    enum = schema.get("enum")
    return Parameter(
        name=name,
        location=location,
        required=required is True or (required is None and location == "path"),
        type=_schema_type(schema),
        description=_text(item, "description", "summary") or _text(schema, "description"),
        enum=tuple(enum) if isinstance(enum, list) else (),
        default=schema.get("default"),
    )


def _parameters(value: Any) -> tuple[Parameter, ...]:
    found: list[Parameter | None] = []
    if isinstance(value, list):
        found = [_parameter(item) for item in value]
    elif isinstance(value, Mapping):  # {"page_id": {"in": "path", ...}}
        found = [_parameter(item, str(name)) for name, item in value.items()]
    return tuple(p for p in found if p is not None)


def _body_schema(value: Any) -> Mapping[str, Any] | None:
    """The body's JSON schema: bare, under `schema`, or OpenAPI's `content/application/json`."""
    if not isinstance(value, Mapping) or not value:
        return None
    content = value.get("content")
    if isinstance(content, Mapping):
        for media, entry in content.items():
            if "json" in str(media) and isinstance(entry, Mapping):
                return _body_schema(entry) or {}
    schema = value.get("schema")
    if isinstance(schema, Mapping) and "type" not in value and "properties" not in value:
        return MappingProxyType(dict(schema))
    return MappingProxyType(dict(value))


def parse_action(item: Any) -> ActionInfo | None:
    """An action from its list entry or its details, whatever names the fields carry."""
    if isinstance(item, str) and item.strip():
        return ActionInfo(id=item.strip(), name=item.strip())
    if not isinstance(item, Mapping):
        return None
    inner = item.get("action")
    if isinstance(inner, Mapping):
        item = inner
    ident = _text(item, "id", "actionId", "action_id", "key", "name")
    if not ident:
        return None
    parameters = _parameters(item.get("parameters", item.get("params")))
    body = item.get("requestBody", item.get("request_body", item.get("body")))
    return ActionInfo(
        id=ident,
        name=_text(item, "displayName", "display_name", "name", "title") or ident,
        method=_text(item, "httpMethod", "http_method", "method", "verb").upper(),
        path=_text(item, "path", "url", "endpoint"),
        description=_text(item, "description", "summary"),
        parameters=parameters,
        body_schema=_body_schema(body),
        raw=MappingProxyType(dict(item)),
    )


def action_kind(connector_id: str, action: ActionInfo) -> ActionKind:
    """What the action does, which decides whether a failed call may be resent."""
    if connector_id == CONNECTOR_ID and action.id in ACTION_KINDS:
        return ACTION_KINDS[action.id]  # Notion's POST reads (search, query) are reads
    return KIND_BY_METHOD.get(action.method, ActionKind.CREATE)


def connector_headers(
    connector_id: str, action_id: str, notion_version: str | None
) -> dict[str, str]:
    """Headers the connector's API needs (Notion: its version; data sources need 2025-09-03)."""
    if connector_id != CONNECTOR_ID:
        return {}
    version = DATA_SOURCES_VERSION if "data-source" in action_id else notion_version
    return {"Notion-Version": version} if version else {}


# --- inputs -------------------------------------------------------------------------------------


class InputProblem(ValueError):
    """Something typed that cannot be sent; names the field (or the body's line) and the fix."""

    def __init__(
        self,
        sentence: str,
        *,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.field = field
        self.line = line
        self.column = column


_TYPE_NAMES: Final[Mapping[str, str]] = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _fits(value: Any, kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    actual = _json_type(value)
    for wanted in kinds:
        if not isinstance(wanted, str) or wanted == actual:
            return True
        if wanted == "number" and actual == "integer":
            return True
    return False


def coerce_parameter(parameter: Parameter, text: str) -> Any:
    """A typed field's value: numbers and booleans parsed, JSON for objects and arrays."""
    name = parameter.name
    value: Any = text
    if parameter.type == "integer":
        try:
            value = int(text.strip())
        except ValueError:
            raise InputProblem(
                f"{name} must be a whole number (it is {text!r}).", field=name
            ) from None
    elif parameter.type == "number":
        try:
            value = float(text.strip())
        except ValueError:
            raise InputProblem(f"{name} must be a number (it is {text!r}).", field=name) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise InputProblem(f"{name} must be a finite number.", field=name)
    elif parameter.type == "boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise InputProblem(f"{name} must be true or false (it is {text!r}).", field=name)
        value = lowered == "true"
    elif parameter.type in ("object", "array"):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise InputProblem(
                f"{name} must be a JSON {parameter.type}: {error}.", field=name
            ) from None
        if not _fits(value, parameter.type):
            raise InputProblem(
                f"{name} must be a JSON {parameter.type} (it is {_TYPE_NAMES[_json_type(value)]}).",
                field=name,
            )
    if parameter.enum and value not in parameter.enum:
        choices = ", ".join(str(v) for v in parameter.enum)
        raise InputProblem(f"{name} must be one of {choices} (it is {text!r}).", field=name)
    return value


def parse_json(text: str, what: str = "The body") -> Any:
    """JSON text, or an InputProblem naming the line and column where it stops being JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputProblem(
            f"{what} is not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}.",
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:
        raise InputProblem(f"{what} is nested too deeply to read.") from None


def check_body(value: Any, schema: Mapping[str, Any] | None) -> None:
    """The body against the action's JSON schema, as far as it goes: the top-level type, the
    required fields and the declared types of the fields given (nested schemas too)."""
    if schema:
        _check(value, schema, "body", 0)


def _check(value: Any, schema: Mapping[str, Any], where: str, depth: int) -> None:
    if depth > 32:
        return
    kind = schema.get("type")
    if kind is not None and not _fits(value, kind):
        wanted = _TYPE_NAMES.get(str(kind), str(kind))
        raise InputProblem(
            f"{where} must be {wanted} (it is {_TYPE_NAMES[_json_type(value)]}).", field=where
        )
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and value not in enum:
        choices = ", ".join(json.dumps(v) for v in enum[:8])
        raise InputProblem(f"{where} must be one of {choices}.", field=where)
    if isinstance(value, Mapping):
        required = schema.get("required")
        for name in required if isinstance(required, list) else ():
            if isinstance(name, str) and name not in value:
                raise InputProblem(f"{where}.{name} is required; add it.", field=f"{where}.{name}")
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for name, inner in value.items():
                declared = properties.get(name)
                if isinstance(declared, Mapping):
                    _check(inner, declared, f"{where}.{name}", depth + 1)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, inner in enumerate(value):
                _check(inner, items, f"{where}[{index}]", depth + 1)


_PLACEHOLDERS: Final[Mapping[str, Any]] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "object": {},
}


def body_template(schema: Mapping[str, Any] | None) -> str:
    """The body to start from: the schema's required fields with empty values of their types."""
    if not schema:
        return "{}"
    if _schema_type(schema) == "array":
        return "[]"
    properties = schema.get("properties")
    required = schema.get("required")
    skeleton: dict[str, Any] = {}
    for name in required if isinstance(required, list) else ():
        declared = properties.get(name) if isinstance(properties, Mapping) else None
        default = declared.get("default") if isinstance(declared, Mapping) else None
        if default is None and isinstance(declared, Mapping):
            default = _PLACEHOLDERS.get(_schema_type(declared))
        skeleton[str(name)] = default  # null for a field the schema does not describe
    return json.dumps(skeleton, indent=2, ensure_ascii=False) if skeleton else "{}"


@dataclass(frozen=True)
class PreparedCall:
    """What the execute call sends for an action, from the form."""

    path_params: dict[str, str]
    query: dict[str, Any]
    headers: dict[str, str]
    body: Any = None


def prepare_call(
    action: ActionInfo, values: Mapping[str, str], body_text: str | None
) -> tuple[PreparedCall | None, list[InputProblem]]:
    """The call the form's values make, or every problem with them (each naming its field)."""
    problems: list[InputProblem] = []
    path: dict[str, str] = {}
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for parameter in action.parameters:
        text = values.get(parameter.name, "")
        if not text.strip():
            if parameter.required and parameter.sendable:
                problems.append(
                    InputProblem(f"{parameter.name} is required; fill it in.", field=parameter.name)
                )
            continue
        if not parameter.sendable:
            continue
        try:
            value = coerce_parameter(parameter, text)
        except InputProblem as problem:
            problems.append(problem)
            continue
        if parameter.location == "path":
            path[parameter.name] = text.strip()
        elif parameter.location == "header":
            headers[parameter.name] = text.strip()
        else:
            query[parameter.name] = value
    body: Any = None
    if body_text is not None and body_text.strip():
        try:
            body = parse_json(body_text)
            check_body(body, action.body_schema)
        except InputProblem as problem:
            problems.append(problem)
    elif action.body_schema and action.body_schema.get("required"):
        problems.append(
            InputProblem("The body is empty; this action needs one (see its fields).", field="body")
        )
    if problems:
        return None, problems
    return PreparedCall(path, query, headers, body), []


def answer_lines(answer: Any) -> list[str]:
    """An answer as indented JSON lines (text that is not JSON as it is)."""
    if isinstance(answer, str):
        return answer.splitlines() or [""]
    return json.dumps(answer, indent=2, ensure_ascii=False).splitlines()


def fold(lines: Sequence[str], limit: int) -> tuple[str, int]:
    """The first `limit` lines as text, and how many were left out."""
    if len(lines) <= limit:
        return "\n".join(lines), 0
    return "\n".join(lines[:limit]), len(lines) - limit


# --- replaying a logged call -------------------------------------------------------------------

REPLAY_KEYS: Final = ("pathParams", "queryParameters", "additionalHeaders", "requestBody")
"""What a replay may change of a logged execute call (the connection and user stay)."""


@dataclass(frozen=True)
class Replay:
    """A logged action call, to be sent again (after editing) through the same connection."""

    connector: str
    action: str
    connection_id: str
    inputs: dict[str, Any]
    """The execute call's editable parts, by their wire names (`REPLAY_KEYS`)."""

    def editor_text(self) -> str:
        return json.dumps(self.inputs, indent=2, ensure_ascii=False)


def replay_of(record: RequestRecord) -> Replay | str:
    """The call a record can be replayed as, or the sentence saying why it cannot."""
    if not (record.connector and record.action and record.connection_id) or not (
        record.method == "POST" and record.url.rstrip("/").endswith("/execute")
    ):
        return (
            "Only action calls can be replayed (run through a connection); this one is "
            f"{record.method} {record.url.split('?')[0]}."
        )
    body = record.request_body
    if not isinstance(body, Mapping):
        return (
            "This call's request body was cut in the log (it is too large to keep whole), "
            "so it cannot be replayed; run the action again from the explorer."
        )
    inputs = {key: body[key] for key in REPLAY_KEYS if key in body}
    return Replay(record.connector, record.action, record.connection_id, inputs)


def parse_replay(text: str) -> dict[str, Any]:
    """The edited inputs of a replay: an object of `REPLAY_KEYS` only, each of its kind."""
    value = parse_json(text, "The call")
    if not isinstance(value, Mapping):
        raise InputProblem(
            f"The call must be a JSON object of {', '.join(REPLAY_KEYS)} "
            f"(it is {_TYPE_NAMES[_json_type(value)]}).",
            field="call",
        )
    for key, inner in value.items():
        if key not in REPLAY_KEYS:
            raise InputProblem(
                f"{key!r} cannot be replayed; keep only {', '.join(REPLAY_KEYS)}.", field=key
            )
        if key != "requestBody" and not isinstance(inner, Mapping):
            raise InputProblem(f"{key} must be an object of names and values.", field=key)
        if key in ("pathParams", "additionalHeaders"):
            for name, item in inner.items():
                if not isinstance(item, str):
                    raise InputProblem(f"{key}.{name} must be text.", field=f"{key}.{name}")
    return dict(value)


def holds_redacted(value: Any) -> bool:
    """Whether a replay would send a value the log hid (it goes as the text [REDACTED])."""
    return REDACTED in json.dumps(value, ensure_ascii=False)


__all__ = [
    "REPLAY_KEYS",
    "ActionInfo",
    "ConnectorInfo",
    "InputProblem",
    "Parameter",
    "PreparedCall",
    "Replay",
    "action_kind",
    "answer_lines",
    "body_template",
    "check_body",
    "coerce_parameter",
    "connector_headers",
    "fold",
    "holds_redacted",
    "parse_action",
    "parse_connector",
    "parse_json",
    "parse_replay",
    "prepare_call",
    "replay_of",
]
