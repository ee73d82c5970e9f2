"""The connections list's filters as the page's query string sees them, and its page links.

The SQL that lists the rows is ``store/repositories/connection_listing.py``; ``ListFilters`` is the
``ListCriteria`` it takes, read from (and written back to) a bookmarkable query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from bastion.governance.connection_status import LABELS, Status
from bastion.store.repositories.connection_listing import ACTIVE, ALL, ListCriteria

MAX_SEARCH_LENGTH = 120

STATUS_CHOICES: dict[str, str] = {
    ACTIVE: "Active (not revoked)",
    Status.AWAITING.value: LABELS[Status.AWAITING],
    Status.CONNECTED.value: LABELS[Status.CONNECTED],
    Status.IDLE.value: LABELS[Status.IDLE],
    Status.REVOKED.value: LABELS[Status.REVOKED],
    ALL: "All",
}
TYPE_CHOICES: dict[str, str] = {"": "All types", "oauth": "OAuth clients", "api_key": "API keys"}
GROUP_CHOICES: dict[str, str] = {"": "No grouping", "type": "Type", "user": "User"}


@dataclass(frozen=True)
class ListFilters(ListCriteria):
    """What the visitor asked for, from the page's query string; unknown values fall back to the defaults."""

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ListFilters:
        def choice(name: str, choices: Mapping[str, str], default: str) -> str:
            value = params.get(name, default)
            return value if value in choices else default

        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            status=choice("status", STATUS_CHOICES, ACTIVE),
            type=choice("type", TYPE_CHOICES, ""),
            dynamic_only=params.get("dynamic") == "1",
            search=" ".join(params.get("q", "").split())[:MAX_SEARCH_LENGTH],
            group=choice("group", GROUP_CHOICES, ""),
            page=page,
        )

    @property
    def narrows(self) -> bool:
        """Whether anything beyond the default *Active* view hides connections."""
        return self.status != ACTIVE or bool(self.type or self.dynamic_only or self.search)

    def query_string(self, **changes: Any) -> str:
        """The bookmarkable query string of these filters (defaults left out), with ``changes`` applied."""
        wanted = replace(self, **changes)
        pairs = {
            "status": wanted.status if wanted.status != ACTIVE else "",
            "type": wanted.type,
            "dynamic": "1" if wanted.dynamic_only else "",
            "q": wanted.search,
            "group": wanted.group,
            "page": str(wanted.page) if wanted.page != 1 else "",
        }
        return urlencode({name: value for name, value in pairs.items() if value})


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """Page links to show: the first, the last, and ``around`` either side of the current; None is a gap."""
    wanted = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - (shown[-1] or 0) > 1:
            shown.append(None)
        shown.append(number)
    return shown
