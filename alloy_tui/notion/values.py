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
from alloy_tui.notion.richtext import (
    MAX_ARRAY,
    MAX_TEXT_UTF16,
    UnpairedSurrogateError,
    check_unicode,
    from_plain,
    plain_text,
    surrogate_index,
    utf16_len,
)

DATE_ARROW = " → "
"""Separates a date range's start and end in the editor and in display text."""

CHECKED = "☑"
UNCHECKED = "☐"

_END_SEPARATORS = re.compile(r"\s*(?:→|->|\.\.|\s+to\s+)\s*")
_DATE_PART = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ T](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE | re.ASCII,
)
"""One date or date-time (matched whole); ASCII digits only (not full-width digits)."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./#*xX-]+$")
_NUMBER = re.compile(
    r"[+-]?(?P<mantissa>(?P<int>[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?P<exp>[eE][+-]?[0-9]+)?"
)
"""The numbers the editor accepts (matched whole): JSON's grammar plus '+1', '.5' and '5.'."""
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
        inner = item.get(kind)
        url = str(inner.get("url") or "") if isinstance(inner, Mapping) else ""
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

NUMBER_HINT = "type a number like 3 or 2.5"
"""How every number error starts: what to type instead."""
MAX_NUMBER_DIGITS = 308
"""The most digits a number written without an exponent may have before its decimal point.

Notion keeps numbers as JSON numbers (doubles), which go up to about 1.8e308: every 308-digit
number fits, and one with an exponent is held to the same magnitude."""
MAX_EXACT_INTEGER = 2**53
"""Integers below this stay ints; larger ones are sent as the double Notion would keep."""
MAX_TEXT_TOTAL = MAX_ARRAY * MAX_TEXT_UTF16
"""The longest title or text value: 100 rich text items of 2,000 UTF-16 units."""
MAX_LENGTHS: dict[str, int] = {"url": 2000, "email": 200, "phone_number": 200}
"""Notion's limits on a url, email and phone_number value (and a file's URL), in characters."""
_WHAT: dict[str, str] = {
    "url": "a web address",
    "email": "an email address",
    "phone_number": "a phone number",
}
_ECHO = 40
"""How much of what the user typed an error message repeats."""


def _shown(text: str) -> str:
    """What the user typed, as an error message repeats it: short, and always encodable."""
    if surrogate_index(text) is not None:
        text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text if len(text) <= _ECHO else text[: _ECHO - 1] + "…"


def _kind_of(raw: Any) -> str:
    """An editor value of the wrong type, in words."""
    if raw is None:
        return "nothing"
    if isinstance(raw, bool):
        return "a checkbox value"
    if isinstance(raw, int | float):
        return "a number"
    if isinstance(raw, str):
        return "text"
    if isinstance(raw, Mapping):
        return "a mapping"
    if isinstance(raw, list | tuple | set | frozenset):
        return "a list"
    return f"a {type(raw).__name__} value"


def _check_unicode(field: str, text: str) -> str:
    """text, or a field error when it holds a lone surrogate (it could never be encoded)."""
    try:
        return check_unicode(text)
    except UnpairedSurrogateError as error:
        raise PropertyValueError(
            field,
            "what you typed contains a broken character (an unpaired surrogate) at character "
            f"{error.index + 1}; retype it",
        ) from None


def _editor_text(field: str, raw: Any) -> str:
    """The text of a one-line editor: None is empty; anything but a str is a field error."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise PropertyValueError(field, f"expected text, not {_kind_of(raw)}")
    return _check_unicode(field, raw)


def _editor_texts(field: str, raw: Any, what: str) -> list[str]:
    """The items of a list editor (or one str): None is none; every item must be a str.

    `what` names the items, plural ("option names"), for the error."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [_check_unicode(field, raw)]
    if not isinstance(raw, list | tuple | set | frozenset):
        raise PropertyValueError(field, f"expected a list of {what}, not {_kind_of(raw)}")
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise PropertyValueError(field, f"expected a list of {what}, not {_kind_of(item)}")
        out.append(_check_unicode(field, item))
    return out


def _number_problem(text: str) -> str:
    """Why text (stripped, not empty) is not in the number grammar, in words."""
    shown = _shown(text)
    if text.lstrip("+-").lower() in ("inf", "infinity", "nan"):
        return f"'{shown}' is not a number Notion can keep (it has no infinity or NaN)"
    if any(ch.isdecimal() and not ch.isascii() for ch in text):
        return f"use the digits 0-9 ('{shown}' has other digits)"
    for mark, name in (("_", "an underscore"), (",", "a comma"), (" ", "a space")):
        if mark in text and _NUMBER.fullmatch(re.sub(r"[_, ]", "", text)):
            return f"'{shown}' has {name}: write 1000 without separators, and 2.5 with a dot"
    return f"'{shown}' is not a number"


def _parse_number(field: str, raw: Any) -> int | float | None:
    """A number from the editor's text (or a number already); None for an empty editor.

    The grammar (_NUMBER) is JSON's plus a leading '+' and the '.5' and '5.' forms: ASCII
    digits only (not full-width ones), no separators (1_000 and 1,000 are refused, not
    guessed at), no infinity or NaN. Surrounding whitespace is ignored. Notion keeps numbers
    as doubles, so one that overflows a double is refused: more than 308 digits before the
    decimal point, or over about 1.8e308 with an exponent. So is a non-zero number so small
    it would become 0. Integers below 2**53 stay ints; larger ones become the double Notion
    would keep. The result is always finite.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise PropertyValueError(field, f"{NUMBER_HINT} (the editor held {_kind_of(raw)})")
    if isinstance(raw, int):
        if abs(raw) < MAX_EXACT_INTEGER:
            return raw
        try:
            return float(raw)
        except OverflowError:
            raise PropertyValueError(
                field, f"{NUMBER_HINT}; the number is too large (Notion keeps up to about 1.8e308)"
            ) from None
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise PropertyValueError(field, f"{NUMBER_HINT}; {raw} is not a number Notion can keep")
        return raw
    text = _check_unicode(field, raw).strip()
    if text == "":
        return None
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise PropertyValueError(field, f"{NUMBER_HINT}; {_number_problem(text)}")
    shown = _shown(text)
    whole = (match["int"] or "").lstrip("0")
    if match["exp"] is None and len(whole) > MAX_NUMBER_DIGITS:
        raise PropertyValueError(
            field,
            f"{NUMBER_HINT}; '{shown}' has {len(whole):,} digits before the decimal point, "
            f"which is too large (Notion keeps at most {MAX_NUMBER_DIGITS})",
        )
    number = float(text)  # ASCII digits only, so float() reads it exactly as the grammar says
    if math.isinf(number):
        raise PropertyValueError(
            field, f"{NUMBER_HINT}; '{shown}' is too large (Notion keeps up to about 1.8e308)"
        )
    if number == 0 and re.search("[1-9]", match["mantissa"]):
        raise PropertyValueError(
            field,
            f"{NUMBER_HINT}; '{shown}' is too small: Notion would keep it as 0 "
            "(its numbers go down to about 5e-324)",
        )
    if "." not in match["mantissa"] and match["exp"] is None and abs(number) < MAX_EXACT_INTEGER:
        return int(number)  # exact below 2**53; int(text) would hit Python's digit limit
    return number


_DATE_HINT = "use YYYY-MM-DD, optionally followed by HH:MM"
MAX_DATE_TEXT = 100
"""The longest date text read (a range with seconds and offsets is about 70 characters); the
check also keeps the separator search's backtracking small."""


def _parse_date_part(field: str, text: str) -> tuple[str, bool]:
    """One date or date-time to its ISO form; returns (iso, has_time)."""
    match = _DATE_PART.fullmatch(text.strip())
    hint = _DATE_HINT
    if not match:
        raise PropertyValueError(field, f"'{_shown(text.strip())}' is not a date ({hint})")
    try:
        day = date.fromisoformat(match["date"])
    except ValueError:
        raise PropertyValueError(
            field, f"'{match['date']}' is not a valid date (years 0001-9999, months 01-12)"
        ) from None
    if match["h"] is None:
        return day.isoformat(), False
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise PropertyValueError(field, f"'{_shown(text.strip())}' has an invalid time ({hint})")
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
    if len(raw) > MAX_DATE_TEXT:
        raise PropertyValueError(field, f"'{_shown(raw)}' is not a date ({_DATE_HINT})")
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
    local = "+" not in start[10:] and "-" not in start[10:]
    if isinstance(old_zone, str) and old_zone and start_time and local:
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
        raise PropertyValueError(prop.name, f"option names can't contain commas ('{_shown(text)}')")
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
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in _editor_texts(field, values, f"{what} ids"):
        raw = item.strip()
        if not raw:
            continue
        try:
            uid = normalize_id(raw)
        except ValueError:
            raise PropertyValueError(field, f"'{_shown(raw)}' is not a {what} id") from None
        if uid not in seen:
            seen.add(uid)
            out.append({"id": uid})
    if len(out) > MAX_ARRAY:
        raise PropertyValueError(field, f"at most {MAX_ARRAY} {what}s")
    return out


def _parse_files(field: str, text: Any, original: Sequence[Any] | None) -> list[dict[str, Any]]:
    if isinstance(text, str):
        urls = _check_unicode(field, text).split()
    else:
        urls = [u.strip() for u in _editor_texts(field, text, "web addresses") if u.strip()]
    items = [item for item in original or [] if isinstance(item, Mapping)]
    kept = {ref.url: item for ref, item in zip(files_of(items), items, strict=True)}
    out: list[dict[str, Any]] = []
    limit = MAX_LENGTHS["url"]
    for url in urls:
        if url in kept:
            out.append(dict(kept[url]))
            continue
        if not re.match(r"^https?://\S+$", url):
            raise PropertyValueError(
                field, f"'{_shown(url)}' is not a web address (http:// or https://)"
            )
        if len(url) > limit:
            raise PropertyValueError(field, f"a file's web address is at most {limit:,} characters")
        name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or url
        out.append({"name": name[:100], "type": "external", "external": {"url": url}})
    if len(out) > MAX_ARRAY:
        raise PropertyValueError(field, f"at most {MAX_ARRAY} files")
    return out


def _parse_checkbox(field: str, raw: Any) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, str):
        return raw.strip().lower() in ("true", "yes", "1", "x", CHECKED)
    if isinstance(raw, int):
        return raw != 0
    raise PropertyValueError(field, f"check or uncheck it (the editor held {_kind_of(raw)})")


def _parse_text(field: str, raw: Any) -> list[dict[str, Any]]:
    text = _editor_text(field, raw)
    too_long = (
        f"the text is too long: Notion takes at most {MAX_TEXT_TOTAL:,} characters "
        "(an emoji counts as 2)"
    )
    if utf16_len(text) > MAX_TEXT_TOTAL:
        raise PropertyValueError(field, too_long)
    items = from_plain(text)
    if len(items) > MAX_ARRAY:
        raise PropertyValueError(field, too_long)
    return items


def _parse_string(field: str, kind: str, raw: Any) -> str | None:
    """A url, email or phone_number: trimmed, checked loosely, None when empty."""
    text = _editor_text(field, raw).strip()
    if text == "":
        return None
    limit = MAX_LENGTHS[kind]
    if len(text) > limit:
        raise PropertyValueError(field, f"{_WHAT[kind]} is at most {limit:,} characters")
    shown = _shown(text)
    if kind == "url" and re.search(r"\s", text):
        raise PropertyValueError(field, f"'{shown}' is not a web address (it has spaces)")
    if kind == "email" and not _EMAIL.match(text):
        raise PropertyValueError(field, f"'{shown}' is not an email address")
    if kind == "phone_number" and not (_PHONE.match(text) and re.search(r"[0-9]", text)):
        raise PropertyValueError(field, f"'{shown}' is not a phone number")
    return text


def parse_value(
    prop: PropertySchema, raw: Any, *, original: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The request value (`{<type>: ...}`) for what the user typed, validated.

    `raw` is the editor's value in editor_value's form (None counts as empty). `original` is
    the property's value from the response, when editing an existing page (kept details such
    as a date's time zone or a hosted file come from it). Raises PropertyValueError naming
    the property for anything Notion would refuse or that could not be sent: bad or odd input
    never raises anything else, and a value returned is always plain JSON (no NaN or
    infinity, no unpaired surrogate).
    """
    kind = prop.type
    field = prop.name
    old = original.get(kind) if isinstance(original, Mapping) else None
    if kind in READ_ONLY_TYPES or kind not in WRITABLE_TYPES:
        raise PropertyValueError(field, "is read-only")
    if kind in ("title", "rich_text"):
        return {kind: _parse_text(field, raw)}
    if kind == "number":
        return {kind: _parse_number(field, raw)}
    if kind == "checkbox":
        return {kind: _parse_checkbox(field, raw)}
    if kind == "select":
        return {kind: _parse_option(prop, _editor_text(field, raw), must_exist=False)}
    if kind == "status":
        name = _editor_text(field, raw)
        return {kind: _parse_option(prop, name, must_exist=True, allow_empty=False)}
    if kind == "multi_select":
        options: list[dict[str, Any]] = []
        seen: set[str] = set()
        for name in _editor_texts(field, raw, "option names"):
            option = _parse_option(prop, name, must_exist=False)
            if option and option["name"] not in seen:
                seen.add(option["name"])
                options.append(option)
                if len(options) > MAX_ARRAY:
                    raise PropertyValueError(field, f"at most {MAX_ARRAY} options")
        return {kind: options}
    if kind == "date":
        text = _editor_text(field, raw)
        return {kind: _parse_date(field, text, old if isinstance(old, Mapping) else None)}
    if kind in ("url", "email", "phone_number"):
        return {kind: _parse_string(field, kind, raw)}
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
