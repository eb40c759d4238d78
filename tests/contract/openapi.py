"""Notion's own OpenAPI description (vendored, 2025-09-03), as JSON Schemas to validate against.

The file is OpenAPI 3.1, whose schemas are JSON Schema 2020-12: every schema is validated in
place, by a `$ref` into the whole document, so the document's own `$ref`s
(`#/components/schemas/...`) resolve through one `referencing` registry. Nothing is fetched:
a `$ref` to anything outside the file is an error. Formats are checked (`uuid` ids).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

import jsonschema  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR: Final = Path(__file__).resolve().parents[1] / "fixtures" / "notion-openapi"
SPEC_PATH: Final = SPEC_DIR / "notion-openapi.json"
SPEC_URI: Final = "urn:notion-openapi:2025-09-03"
SPEC_SHA256: Final = "d33548174dfc6ebad012fc73b1483532c7887d8c97fd6deb62d56c742e96baba"
"""The file as vendored (tests/fixtures/notion-openapi/README.md names the package version)."""
NOTION_VERSION: Final = "2025-09-03"

_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@cache
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return data


def spec_sha256() -> str:
    return hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()


@cache
def registry() -> Registry[Any]:
    resource: Resource[Any] = DRAFT202012.create_resource(spec())
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def _pointer_part(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def pointer(*keys: str) -> str:
    """A JSON pointer into the spec for `keys` (`/paths/~1v1~1pages/post`...)."""
    return "".join("/" + _pointer_part(key) for key in keys)


@cache
def operations() -> dict[str, tuple[str, str]]:
    """operationId -> (path, method) for every operation in the file."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in spec()["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = (path, method)
    return found


def operation(operation_id: str) -> dict[str, Any]:
    path, method = operations()[operation_id]
    op: dict[str, Any] = spec()["paths"][path][method]
    return op


def _ref(*keys: str) -> dict[str, Any]:
    return {"$ref": f"{SPEC_URI}#{pointer(*keys)}"}


def response_schema(operation_id: str, status: int | str) -> dict[str, Any] | None:
    """A `$ref` to the JSON schema of `status`'s answer, or None where the file gives none
    (several 200s carry only an example)."""
    path, method = operations()[operation_id]
    response = operation(operation_id)["responses"].get(str(status))
    if response is None:
        return None
    media = response.get("content", {}).get("application/json", {})
    if "schema" not in media:
        return None
    return _ref("paths", path, method, "responses", str(status), "content", "application/json",
                "schema")  # fmt: skip


def response_example(operation_id: str, status: int | str) -> Any:
    """The first example the file gives for `status`'s answer, or None."""
    response = operation(operation_id)["responses"].get(str(status), {})
    media = response.get("content", {}).get("application/json", {})
    for example in media.get("examples", {}).values():
        if isinstance(example, dict) and example.get("value"):
            return example["value"]
    return None


def request_schema(operation_id: str) -> dict[str, Any] | None:
    """A `$ref` to the operation's JSON requestBody schema, or None for operations without one."""
    path, method = operations()[operation_id]
    body = operation(operation_id).get("requestBody")
    if body is None:
        return None
    return _ref("paths", path, method, "requestBody", "content", "application/json", "schema")


def parameters(operation_id: str) -> list[dict[str, Any]]:
    """The operation's parameters with `#/components/parameters/...` refs resolved."""
    resolver = registry().resolver(SPEC_URI)
    out: list[dict[str, Any]] = []
    for parameter in operation(operation_id).get("parameters", []):
        if "$ref" in parameter:
            parameter = resolver.lookup(SPEC_URI + parameter["$ref"]).contents
        out.append(parameter)
    return out


def _validator(schema: Mapping[str, Any]) -> Any:
    return jsonschema.Draft202012Validator(
        schema,
        registry=registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def _where(error: Any) -> str:
    return "$" + "".join(f"[{part!r}]" for part in error.absolute_path)


def _leaves(error: Any) -> Iterator[Any]:
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def problems(schema: Mapping[str, Any], instance: Any) -> list[str]:
    """Every violation as `path: message` (oneOf/anyOf failures are listed per branch)."""
    out: list[str] = []
    errors = sorted(_validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    for error in errors:
        out.append(f"{_where(error)}: {error.message}")
        for leaf in _leaves(error):
            if leaf is not error:
                out.append(f"  {_where(leaf)}: {leaf.message}")
    return out


def assert_valid(schema: Mapping[str, Any] | None, instance: Any, what: str) -> None:
    assert schema is not None, f"{what}: the spec gives no schema"
    found = problems(schema, instance)
    assert not found, f"{what} does not match Notion's OpenAPI description:\n" + "\n".join(found)


def assert_like_example(example: Any, instance: Any, what: str, path: str = "$") -> None:
    """Where the file gives only an example, the answer has every key the example has, with
    the same JSON type (null matches anything: the example cannot say what else it may be).
    Lists are compared item by item against the example's first item."""
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number"}

    def kind(value: Any) -> str:
        return "number" if isinstance(value, float) else kinds.get(type(value), "null")

    if example is None:
        return
    assert kind(instance) == kind(example), (
        f"{what}: {path} is {kind(instance)}, the spec's example has {kind(example)}"
    )
    if isinstance(example, dict):
        for key, value in example.items():
            assert key in instance, f"{what}: {path} has no {key!r} (the spec's example has it)"
            assert_like_example(value, instance[key], what, f"{path}[{key!r}]")
    elif isinstance(example, list) and example:
        for index, item in enumerate(instance):
            assert_like_example(example[0], item, what, f"{path}[{index}]")


def request_problems(operation_id: str, payload: Mapping[str, Any]) -> list[str]:
    """What in an execute payload (`requestBody`, `queryParameters`, `pathParams`) breaks the
    operation's requestBody schema or its parameters' schemas (required ones included)."""
    found: list[str] = []
    body_schema = request_schema(operation_id)
    body = payload.get("requestBody")
    if body_schema is not None and body is not None:
        found += [_under("requestBody", p) for p in problems(body_schema, body)]
    elif body is not None and body != {}:
        found.append(f"requestBody: {operation_id} takes no body")
    sources = {
        "query": payload.get("queryParameters") or {},
        "path": payload.get("pathParams") or {},
    }
    for parameter in parameters(operation_id):
        where = parameter["in"]
        if where not in sources:
            continue
        name = parameter["name"]
        given = sources[where]
        if name not in given:
            if parameter.get("required"):
                found.append(f"{where}.{name}: required")
            continue
        for problem in problems(parameter.get("schema", {}), given[name]):
            found.append(_under(f"{where}.{name}", problem))
    return found


def _under(prefix: str, problem: str) -> str:
    """`$['a']: message` as `prefix['a']: message`, keeping a branch line's indent."""
    text = problem.lstrip()
    return problem[: len(problem) - len(text)] + prefix + text.removeprefix("$")
