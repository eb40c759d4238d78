"""Property values: display text, the editor's form, validated request values, and diffs."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from alloy_tui.notion.ids import normalize_id
from alloy_tui.notion.models import PropertySchema
from alloy_tui.notion.properties import READ_ONLY_TYPES, WRITABLE_TYPES
from alloy_tui.notion.richtext import MAX_ARRAY, from_plain, plain_text

DATE_ARROW = " → "
"""Separates a date range's start and end in the editor and in display text."""

CHECKED = "☑"
UNCHECKED = "☐"

_END_SEPARATORS = re.compile(r"\s*(?:→|->|\.\.|\s+to\s+)\s*")
_DATE_PART = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ T](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?)?$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./#*xX-]+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
MAX_OPTION_LENGTH = 100
"""Notion's limit on a select/multi_select option name."""


class PropertyValueError(ValueError):
    """A value the user typed that Notion would refuse, naming the property it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class FileRef:
    name: str
    url: str


# --------------------------------------------------------------------------- display


def _number_text(number: Any) -> str:
    if number is None:
        return ""
    if isinstance(number, bool):
        return str(number).lower()
    if isinstance(number, int):
        return str(number)
    if isinstance(number, float):
        if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    return str(number)


def _time_text(iso: str) -> str:
    """'2024-05-01' stays; '2024-05-01T14:30:00.000+00:00' becomes '2024-05-01 14:30 UTC'."""
    if "T" not in iso:
        return iso
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    text = moment.strftime("%Y-%m-%d %H:%M")
    if moment.second:
        text += moment.strftime(":%S")
    offset = moment.utcoffset()
    if offset is not None:
        if offset.total_seconds() == 0:
            text += " UTC"
        else:
            text += moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]
    return text


def date_text(value: Mapping[str, Any] | None) -> str:
    """A Notion date object as the editor and the tables show it: 'start → end'."""
    if not value or not value.get("start"):
        return ""
    text = _time_text(str(value["start"]))
    if value.get("end"):
        text += DATE_ARROW + _time_text(str(value["end"]))
    return text


def _user_name(user: Any, names: Mapping[str, str] | None) -> str:
    if not isinstance(user, Mapping):
        return ""
    uid = str(user.get("id", ""))
    if names and uid in names:
        return names[uid]
    return str(user.get("name") or uid[:8])


def _files_text(files: Iterable[Any]) -> str:
    return ", ".join(f.name for f in files_of(files))


def files_of(files: Iterable[Any] | None) -> list[FileRef]:
    """The name and URL of each file object (external or Notion-hosted)."""
    out: list[FileRef] = []
    for item in files or []:
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type") or ("external" if "external" in item else "file"))
        url = str((item.get(kind) or {}).get("url") or "")
        out.append(FileRef(name=str(item.get("name") or url), url=url))
    return out


def _formula_text(formula: Mapping[str, Any]) -> str:
    kind = str(formula.get("type", ""))
    result = formula.get(kind)
    if kind == "number":
        return _number_text(result)
    if kind == "boolean":
        return CHECKED if result else UNCHECKED
    if kind == "date":
        return date_text(result if isinstance(result, Mapping) else None)
    return "" if result is None else str(result)


def _rollup_text(rollup: Mapping[str, Any], names: Mapping[str, str] | None) -> str:
    kind = str(rollup.get("type", ""))
    result = rollup.get(kind)
    if kind == "number":
        return _number_text(result)
    if kind == "date":
        return date_text(result if isinstance(result, Mapping) else None)
    if kind == "array":
        parts = [display(item, names=names) for item in result or [] if isinstance(item, Mapping)]
        return ", ".join(p for p in parts if p)
    return ""


CURRENCY_SYMBOLS: dict[str, str] = {
    "dollar": "$",
    "canadian_dollar": "CA$",
    "australian_dollar": "A$",
    "singapore_dollar": "S$",
    "hong_kong_dollar": "HK$",
    "new_zealand_dollar": "NZ$",
    "mexican_peso": "MX$",
    "euro": "€",
    "pound": "£",
    "yen": "¥",
    "yuan": "CN¥",
    "ruble": "₽",
    "rupee": "₹",
    "won": "₩",
    "real": "R$",
    "lira": "₺",
    "rupiah": "Rp",
    "franc": "CHF ",
    "krona": "kr ",
    "norwegian_krone": "kr ",
    "danish_krone": "kr ",
    "rand": "R",
    "shekel": "₪",
    "zloty": "zł ",
    "baht": "฿",
    "forint": "Ft ",
    "koruna": "Kč ",
    "philippine_peso": "₱",
    "peso": "$",
    "dirham": "AED ",
    "riyal": "SAR ",
    "ringgit": "RM",
    "leu": "lei ",
    "colombian_peso": "COL$",
    "chilean_peso": "CLP$",
    "argentine_peso": "ARS$",
    "uruguayan_peso": "$U",
}
"""Notion's currency number formats and the symbol each shows before the amount."""


def number_text(number: Any, number_format: str | None = None) -> str:
    """A number as Notion shows it in a database with this `number_format`: commas, percent,
    or a currency with its symbol and two decimals. Unknown formats show the plain number."""
    if (
        not isinstance(number, int | float)
        or isinstance(number, bool)
        or number_format
        in (
            None,
            "number",
        )
    ):
        return _number_text(number)
    if not math.isfinite(number):
        return _number_text(number)
    if number_format == "number_with_commas":
        return f"{number:,}" if isinstance(number, int) else f"{number:,.{_decimals(number)}f}"
    if number_format == "percent":
        return f"{_number_text(round(number * 100, 10))}%"
    symbol = CURRENCY_SYMBOLS.get(number_format)
    if symbol is None:
        return _number_text(number)
    sign = "-" if number < 0 else ""
    return f"{sign}{symbol}{abs(number):,.2f}"


def _decimals(number: float) -> int:
    text = repr(number)
    return len(text.split(".", 1)[1]) if "." in text and "e" not in text else 0


def display(
    value: Mapping[str, Any] | None,
    *,
    names: Mapping[str, str] | None = None,
    number_format: str | None = None,
) -> str:
    """A property value (`{id, type, <type>: ...}`) as one line of text, for any type.

    `names` maps user and page ids to a name or title, for people and relations;
    `number_format` is the schema's format of a number property (dollar, percent...).
    """
    if not value:
        return ""
    kind = str(value.get("type", ""))
    raw = value.get(kind)
    if kind in ("title", "rich_text"):
        return plain_text(raw).replace("\n", " ")
    if kind == "number":
        return number_text(raw, number_format)
    if kind in ("select", "status"):
        return str(raw.get("name", "")) if isinstance(raw, Mapping) else ""
    if kind == "multi_select":
        return ", ".join(str(o.get("name", "")) for o in raw or [] if isinstance(o, Mapping))
    if kind == "date":
        return date_text(raw if isinstance(raw, Mapping) else None)
    if kind == "checkbox":
        return CHECKED if raw else UNCHECKED
    if kind in ("url", "email", "phone_number"):
        return "" if raw is None else str(raw)
    if kind == "people":
        return ", ".join(_user_name(u, names) for u in raw or [])
    if kind == "relation":
        items = [r for r in raw or [] if isinstance(r, Mapping)]
        if names and all(str(r.get("id")) in names for r in items):
            return ", ".join(names[str(r.get("id"))] for r in items)
        if not items:
            return ""
        return f"{len(items)} page" + ("" if len(items) == 1 else "s")
    if kind == "files":
        return _files_text(raw or [])
    if kind == "formula":
        return _formula_text(raw) if isinstance(raw, Mapping) else ""
    if kind == "rollup":
        return _rollup_text(raw, names) if isinstance(raw, Mapping) else ""
    if kind in ("created_time", "last_edited_time"):
        return _time_text(str(raw)) if raw else ""
    if kind in ("created_by", "last_edited_by"):
        return _user_name(raw, names)
    if kind == "unique_id":
        if not isinstance(raw, Mapping) or raw.get("number") is None:
            return ""
        prefix = raw.get("prefix")
        return f"{prefix}-{raw['number']}" if prefix else str(raw["number"])
    return ""


# --------------------------------------------------------------------------- editor form


def editor_value(value: Mapping[str, Any] | None, prop_type: str | None = None) -> Any:
    """What the editor widget for this property holds for a value from a response.

    str for text, number, date, url, email, phone and files (URLs separated by spaces); bool for
    checkbox; str ('' for none) for select and status; list[str] of names for multi_select;
    list[str] of ids for people and relation.
    """
    kind = str((value or {}).get("type") or prop_type or "")
    raw = (value or {}).get(kind)
    if kind in ("title", "rich_text"):
        return plain_text(raw)
    if kind == "number":
        return _number_text(raw)
    if kind == "checkbox":
        return bool(raw)
    if kind in ("select", "status"):
        return str(raw.get("name", "")) if isinstance(raw, Mapping) else ""
    if kind == "multi_select":
        return [str(o.get("name", "")) for o in raw or [] if isinstance(o, Mapping)]
    if kind == "date":
        return date_text(raw if isinstance(raw, Mapping) else None)
    if kind in ("url", "email", "phone_number"):
        return "" if raw is None else str(raw)
    if kind in ("people", "relation"):
        return [str(r.get("id")) for r in raw or [] if isinstance(r, Mapping) and r.get("id")]
    if kind == "files":
        return " ".join(f.url for f in files_of(raw))
    return display(value)


def empty_editor_value(prop_type: str) -> Any:
    """The editor value of an empty property of this type (a new page's form)."""
    return editor_value(None, prop_type)


# --------------------------------------------------------------------------- parsing


def _parse_number(field: str, text: str) -> int | float | None:
    raw = text.strip().replace("_", "")
    if raw == "":
        return None
    if not _NUMBER.match(raw):
        raise PropertyValueError(field, f"'{text.strip()}' is not a number")
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    number = float(raw)
    if not math.isfinite(number):
        raise PropertyValueError(field, f"'{text.strip()}' is too large")
    return number


def _parse_date_part(field: str, text: str) -> tuple[str, bool]:
    """One date or date-time to its ISO form; returns (iso, has_time)."""
    match = _DATE_PART.match(text.strip())
    hint = "use YYYY-MM-DD, optionally followed by HH:MM"
    if not match:
        raise PropertyValueError(field, f"'{text.strip()}' is not a date ({hint})")
    try:
        day = date.fromisoformat(match["date"])
    except ValueError:
        raise PropertyValueError(field, f"'{match['date']}' is not a valid date") from None
    if match["h"] is None:
        return day.isoformat(), False
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise PropertyValueError(field, f"'{text.strip()}' has an invalid time ({hint})")
    iso = f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}"
    tz = match["tz"]
    if tz:
        if tz.upper() in ("Z", "UTC"):
            iso += "+00:00"
        else:
            digits = tz.replace(":", "")
            if int(digits[1:3]) > 14 or int(digits[3:5]) > 59:
                raise PropertyValueError(field, f"'{tz}' is not a time zone offset")
            iso += f"{digits[:3]}:{digits[3:5]}"
    return iso, True


def _moment(iso: str) -> date | datetime:
    if "T" in iso:
        return datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return date.fromisoformat(iso)


def _parse_date(field: str, text: str, original: Mapping[str, Any] | None) -> dict[str, Any] | None:
    raw = text.strip()
    if raw == "":
        return None
    parts = _END_SEPARATORS.split(raw, maxsplit=1)
    start, start_time = _parse_date_part(field, parts[0])
    end: str | None = None
    if len(parts) == 2 and parts[1].strip():
        end, end_time = _parse_date_part(field, parts[1])
        if start_time != end_time:
            raise PropertyValueError(field, "start and end must both have a time, or neither")
        a, b = _moment(start), _moment(end)
        try:
            backwards = b < a
        except TypeError:
            raise PropertyValueError(
                field, "start and end must both have a time zone offset, or neither"
            ) from None
        if backwards:
            raise PropertyValueError(field, "the end is before the start")
    result: dict[str, Any] = {"start": start, "end": end}
    # A date that Notion keeps in a named time zone keeps it while the user types a local time.
    old_zone = (original or {}).get("time_zone")
    if old_zone and start_time and "+" not in start[10:] and "-" not in start[10:]:
        result["time_zone"] = old_zone
    return result


def _parse_option(
    prop: PropertySchema, name: str, *, must_exist: bool, allow_empty: bool = True
) -> dict[str, Any] | None:
    text = name.strip()
    if text == "":
        if not allow_empty:
            raise PropertyValueError(prop.name, "choose an option")
        return None
    if "," in text:
        raise PropertyValueError(prop.name, f"option names can't contain commas ('{text}')")
    if len(text) > MAX_OPTION_LENGTH:
        raise PropertyValueError(
            prop.name, f"an option name is at most {MAX_OPTION_LENGTH} characters"
        )
    options = prop.options
    if must_exist and options and text not in options:
        raise PropertyValueError(
            prop.name, f"'{text}' is not an option (choose one of: {', '.join(options)})"
        )
    return {"name": text}


def _parse_ids(field: str, values: Any, what: str) -> list[dict[str, str]]:
    items = [values] if isinstance(values, str) else list(values or [])
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in items:
        raw = str(item).strip()
        if not raw:
            continue
        try:
            uid = normalize_id(raw)
        except ValueError:
            raise PropertyValueError(field, f"'{raw}' is not a {what} id") from None
        if uid not in seen:
            seen.add(uid)
            out.append({"id": uid})
    if len(out) > MAX_ARRAY:
        raise PropertyValueError(field, f"at most {MAX_ARRAY} {what}s")
    return out


def _parse_files(field: str, text: Any, original: Sequence[Any] | None) -> list[dict[str, Any]]:
    urls = text.split() if isinstance(text, str) else [str(u) for u in text or []]
    kept = {ref.url: item for ref, item in zip(files_of(original), original or [], strict=False)}
    out: list[dict[str, Any]] = []
    for url in urls:
        if url in kept:
            out.append(dict(kept[url]))
            continue
        if not re.match(r"^https?://\S+$", url):
            raise PropertyValueError(field, f"'{url}' is not a web address (http:// or https://)")
        name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or url
        out.append({"name": name[:100], "type": "external", "external": {"url": url}})
    if len(out) > MAX_ARRAY:
        raise PropertyValueError(field, f"at most {MAX_ARRAY} files")
    return out


def parse_value(
    prop: PropertySchema, raw: Any, *, original: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The request value (`{<type>: ...}`) for what the user typed, validated.

    `original` is the property's value from the response, when editing an existing page (kept
    details such as a date's time zone or a hosted file come from it). Raises
    PropertyValueError naming the property.
    """
    kind = prop.type
    field = prop.name
    old = (original or {}).get(kind)
    if kind in READ_ONLY_TYPES or kind not in WRITABLE_TYPES:
        raise PropertyValueError(field, "is read-only")
    if kind in ("title", "rich_text"):
        text = str(raw or "")
        items = from_plain(text)
        if len(items) > MAX_ARRAY:
            raise PropertyValueError(field, "the text is too long")
        return {kind: items}
    if kind == "number":
        return {kind: _parse_number(field, str(raw or ""))}
    if kind == "checkbox":
        if isinstance(raw, str):
            return {kind: raw.strip().lower() in ("true", "yes", "1", "x", CHECKED)}
        return {kind: bool(raw)}
    if kind == "select":
        return {kind: _parse_option(prop, str(raw or ""), must_exist=False)}
    if kind == "status":
        return {kind: _parse_option(prop, str(raw or ""), must_exist=True, allow_empty=False)}
    if kind == "multi_select":
        names = [raw] if isinstance(raw, str) else list(raw or [])
        options: list[dict[str, Any]] = []
        for name in names:
            option = _parse_option(prop, str(name), must_exist=False)
            if option and option not in options:
                options.append(option)
        if len(options) > MAX_ARRAY:
            raise PropertyValueError(field, f"at most {MAX_ARRAY} options")
        return {kind: options}
    if kind == "date":
        return {kind: _parse_date(field, str(raw or ""), old if isinstance(old, Mapping) else None)}
    if kind in ("url", "email", "phone_number"):
        text = str(raw or "").strip()
        if text == "":
            return {kind: None}
        if kind == "url" and re.search(r"\s", text):
            raise PropertyValueError(field, f"'{text}' is not a web address (it has spaces)")
        if kind == "email" and not _EMAIL.match(text):
            raise PropertyValueError(field, f"'{text}' is not an email address")
        if kind == "phone_number" and not (_PHONE.match(text) and re.search(r"\d", text)):
            raise PropertyValueError(field, f"'{text}' is not a phone number")
        return {kind: text}
    if kind == "people":
        return {kind: _parse_ids(field, raw, "user")}
    if kind == "relation":
        return {kind: _parse_ids(field, raw, "page")}
    if kind == "files":
        return {kind: _parse_files(field, raw, old if isinstance(old, list) else None)}
    raise PropertyValueError(field, f"cannot edit a {kind} property")


def request_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """A response's property value in request form (`{<type>: ...}`), unchanged in meaning."""
    kind = str(value.get("type", ""))
    return {kind: value.get(kind)}


# --------------------------------------------------------------------------- diff


def _canonical(kind: str, raw: Any) -> Any:
    """A comparable form of a request or response value, so '3' == 3.0 and Z == +00:00."""
    if kind in ("title", "rich_text"):
        return plain_text(raw)
    if kind == "number":
        return None if raw is None else float(raw)
    if kind in ("select", "status"):
        return raw.get("name") if isinstance(raw, Mapping) else None
    if kind == "multi_select":
        return tuple(o.get("name") for o in raw or [] if isinstance(o, Mapping))
    if kind == "date":
        if not isinstance(raw, Mapping) or not raw.get("start"):
            return None
        try:
            start = _moment(str(raw["start"]))
            end = _moment(str(raw["end"])) if raw.get("end") else None
        except ValueError:
            return (str(raw.get("start")), str(raw.get("end")), raw.get("time_zone"))
        return (start, end, raw.get("time_zone"))
    if kind in ("people", "relation"):
        ids: set[str] = set()
        for item in raw or []:
            if isinstance(item, Mapping) and item.get("id"):
                try:
                    ids.add(normalize_id(str(item["id"])))
                except ValueError:
                    ids.add(str(item["id"]))
        return frozenset(ids)
    if kind == "files":
        return tuple(f.url for f in files_of(raw))
    if kind in ("url", "email", "phone_number"):
        return raw or None
    if kind == "checkbox":
        return bool(raw)
    return raw


def same_value(kind: str, a: Any, b: Any) -> bool:
    """True when two values of a property type mean the same to Notion."""
    return bool(_canonical(kind, a) == _canonical(kind, b))


def diff_properties(
    original: Mapping[str, Mapping[str, Any]], edited: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Only the edited properties whose value differs from the page's: what a save sends.

    `original` is the page's `properties` (response form); `edited` maps property names to
    request values (`{<type>: ...}`, as parse_value returns). A property missing from the
    original (a new page) counts as changed unless its value is empty.
    """
    changes: dict[str, dict[str, Any]] = {}
    for name, request in edited.items():
        if not request:
            continue
        kind = next(iter(request))
        before = original.get(name)
        old = before.get(kind) if before else None
        if not same_value(kind, old, request[kind]):
            changes[name] = dict(request)
    return changes
