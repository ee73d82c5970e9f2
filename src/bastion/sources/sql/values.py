"""Values between Odoo's shapes and the database's: dates as ``YYYY-MM-DD``, empty as ``False``, binary as base64."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

from bastion.sources.port import FieldInfo

NUMERIC = ("integer", "float", "monetary")
TEXTUAL = ("char", "text", "selection")


class BadValue(Exception):
    """A value that does not fit its field; ``str()`` completes "<field> ..." (e.g. "needs a number, not 'x'")."""


def show(value: Any, width: int = 60) -> str:
    """A short rendering of a caller's value for an error sentence."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an integer of thousands of digits, a self-containing list
        text = f"<{type(value).__name__}>"
    return text if len(text) <= width else text[: width - 3] + "..."


def to_odoo(info: FieldInfo, value: Any) -> Any:
    """A database value in Odoo's shape for a field of type ``info.type`` (many2one is read by the query)."""
    if info.type == "boolean":
        return bool(value)
    if value is None:
        return False
    if info.type == "integer":
        return int(value)
    if info.type in ("float", "monetary"):
        return float(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, int | float | str):
        return value
    return str(value)


def format_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def to_database(info: FieldInfo, value: Any, *, writing: bool = False) -> Any:
    """An Odoo-shaped value as the database takes it; ``False``/``None`` is empty. Raises ``BadValue``."""
    if info.type == "boolean":
        if value is None or isinstance(value, bool):
            return bool(value)
        raise BadValue(f"is a boolean field and needs true or false, not {show(value)}")
    if value is None or value is False:
        return None
    if info.type in ("integer", "many2one"):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
            return value
        if info.type == "integer" and isinstance(value, float) and value.is_integer() and _finite(value):
            return int(value)  # 3.0 from a JSON client; 2.5 is refused, never truncated
        what = "a record id (an integer)" if info.type == "many2one" else "an integer"
        raise BadValue(f"is a {info.type} field and needs {what}, not {show(value)}")
    if info.type in ("float", "monetary"):
        if _finite(value):
            return float(value)  # one type per parameter list: PostgreSQL types an IN list by its first value
        raise BadValue(f"is a {info.type} field and needs a number, not {show(value)}")
    if info.type in TEXTUAL:
        if not isinstance(value, str):
            raise BadValue(f"is a {info.type} field and needs a string, not {show(value)}")
        if "\x00" in value:
            raise BadValue("cannot hold the NUL character (\\x00)")
        allowed = [option for option, _ in info.selection or ()]
        if writing and info.type == "selection" and value not in allowed:
            raise BadValue(f"is a selection field and takes one of {', '.join(map(repr, allowed))}, not {show(value)}")
        return value
    if info.type == "date":
        return parse_date(value)
    if info.type == "datetime":
        return parse_datetime(value)
    if info.type == "binary":
        if writing and isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                pass
        raise BadValue(f"is a binary field and takes base64 text, not {show(value)}")
    if isinstance(value, str | int | float):
        return value
    raise BadValue(f"needs a string or a number, not {show(value)}")


def _finite(value: Any) -> bool:
    """A number the database can store: no bool, no NaN or infinity, no integer past 64 bits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) < 2**63
    return isinstance(value, float) and math.isfinite(value)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else parse_datetime(value).date()
        except (BadValue, ValueError):
            pass
    raise BadValue(f"is a date field and needs a date as 'YYYY-MM-DD', not {show(value)}")


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, str) and len(value) >= 10:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
            return parsed
    raise BadValue(f"is a datetime field and needs 'YYYY-MM-DD HH:MM:SS' (UTC) or 'YYYY-MM-DD', not {show(value)}")
