"""One paging envelope for every record list: ``records``, ``total``, ``has_more``, ``next_offset``."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from bastion.sources.port import Record


def page(records: Sequence[Record], *, offset: int, total: int) -> dict[str, Any]:
    """A page whose total is known: ``next_offset`` is where the next page starts, null after the last."""
    end = offset + len(records)
    has_more = end < total
    return {"records": list(records), "total": total, "has_more": has_more, "next_offset": end if has_more else None}


def probed_page(rows: Sequence[Record], *, offset: int, limit: int, pageable: bool) -> dict[str, Any]:
    """A page read with one row more than asked, to learn whether more follow without counting them all.

    ``total`` is exact on the last page and null before it (the source would have to read every row to
    say); ``next_offset`` is null when the tool takes no offset (``pageable`` false).
    """
    records = list(rows[:limit])
    has_more = len(rows) > limit
    end = offset + len(records)
    return {
        "records": records,
        "total": None if has_more else end,
        "has_more": has_more,
        "next_offset": end if has_more and pageable else None,
    }


def whole(records: Sequence[Record]) -> dict[str, Any]:
    """Every record at once (ids given by the caller, a record's activities): nothing more to fetch."""
    return page(records, offset=0, total=len(records))


def jsonable(value: Any) -> Any:
    """Plain JSON values: a source may hand back tuples (a many2one pair) where JSON has arrays."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)
