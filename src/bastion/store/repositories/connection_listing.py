"""The connections list as SQL: which rows a viewer sees, filtered, searched, grouped and paged.

A status is not stored: it derives from ``revoked_at``, ``last_used_at`` and the idle threshold
(``governance/connection_status.py``). ``status_condition`` writes that same rule as SQL, so a
page of 50 out of 100,000 connections is a few indexed queries, never a scan in Python.
Rows are listed newest first (by id); grouped lists order the groups, then newest first inside each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true

from bastion.store.models import Connection, User
from bastion.store.repositories.base import Repository
from bastion.store.repositories.connections import visible_to

PAGE_SIZE = 50
ACTIVE, ALL = "active", "all"
# The values of governance/connection_status.py's Status; tests/console/test_listing.py holds SQL and Python
# to the same rule for each of them.
AWAITING, CONNECTED, IDLE, REVOKED = "awaiting_connection", "connected", "idle", "revoked"

# Group-by-type headings, in the order they are listed.
TYPE_GROUPS: dict[tuple[str, bool], str] = {
    ("oauth", False): "OAuth clients",
    ("oauth", True): "Self-registered OAuth clients",
    ("api_key", False): "API keys",
}
NO_USER_LABEL = "No owner"


@dataclass(frozen=True)
class ListCriteria:
    """What to list: a status (or ``active``/``all``), a type, self-registered only, a name search, a grouping."""

    status: str = ACTIVE
    type: str = ""
    dynamic_only: bool = False
    search: str = ""
    group: str = ""
    page: int = 1


def status_condition(status: str, now: datetime, idle_after_seconds: int) -> ColumnElement[bool]:
    """``connection_status`` as SQL: unused for at least the threshold is Idle, used more recently is Connected."""
    idle_since = now - timedelta(seconds=idle_after_seconds)
    live = Connection.revoked_at.is_(None)
    conditions: dict[str, ColumnElement[bool]] = {
        ALL: true(),
        ACTIVE: live,
        REVOKED: Connection.revoked_at.is_not(None),
        AWAITING: and_(live, Connection.last_used_at.is_(None)),
        CONNECTED: and_(live, Connection.last_used_at > idle_since),
        IDLE: and_(live, Connection.last_used_at <= idle_since),
    }
    return conditions[status]


def filter_conditions(
    criteria: ListCriteria, viewer: User, now: datetime, idle_after_seconds: int
) -> list[ColumnElement[bool]]:
    conditions = [visible_to(viewer), status_condition(criteria.status, now, idle_after_seconds)]
    if criteria.type:
        conditions.append(Connection.type == criteria.type)
    if criteria.dynamic_only:
        # Only OAuth clients register themselves; naming the type lets the (type, is_dynamic, …) index serve it.
        conditions += [Connection.type == "oauth", Connection.is_dynamic == True]  # noqa: E712 - SQL, not Python
    if criteria.search:
        # Case-insensitive substring; autoescape makes % and _ in the search plain characters.
        conditions.append(func.lower(Connection.name).contains(criteria.search.lower(), autoescape=True))
    return conditions


# --- groups --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCount:
    """One heading of a grouped list: which rows belong to it (``condition``), its label and its size."""

    label: str
    total: int
    condition: ColumnElement[bool]


def group_counts_query(group: str, conditions: Sequence[ColumnElement[bool]]) -> Select[*tuple[Any, ...]]:
    """One GROUP BY that counts every group of the filtered list."""
    if group == "type":
        return (
            select(Connection.type, Connection.is_dynamic, func.count())
            .where(*conditions)
            .group_by(Connection.type, Connection.is_dynamic)
        )
    # Count first, then name the (few) groups: joining 100,000 rows to users before grouping costs more.
    counts = (
        select(Connection.user_id, func.count().label("total"))
        .where(*conditions)
        .group_by(Connection.user_id)
        .subquery()
    )
    return select(counts.c.user_id, User.login, counts.c.total).outerjoin(User, User.id == counts.c.user_id)


def groups_from_counts(group: str, rows: Sequence[Any]) -> list[GroupCount]:
    """Headings in reading order: types as listed in ``TYPE_GROUPS``, users by login, "No user yet" last."""
    if group == "type":
        totals = {(kind, bool(dynamic)): count for kind, dynamic, count in rows}
        return [
            GroupCount(label, totals[key], and_(Connection.type == key[0], Connection.is_dynamic == key[1]))
            for key, label in TYPE_GROUPS.items()
            if totals.get(key)
        ]
    by_login = sorted(rows, key=lambda row: (row[1] is None, (row[1] or "").lower()))
    return [
        GroupCount(
            login or NO_USER_LABEL,
            count,
            Connection.user_id == user_id if user_id is not None else Connection.user_id.is_(None),
        )
        for user_id, login, count in by_login
    ]


@dataclass(frozen=True)
class Slice:
    """The part of one group that falls on the current page."""

    group: GroupCount
    offset: int
    limit: int
    continued: bool


def page_slices(groups: Sequence[GroupCount], page: int, page_size: int = PAGE_SIZE) -> list[Slice]:
    """Which rows of which groups make up ``page``, when the groups are listed one after the other."""
    start, end = (page - 1) * page_size, page * page_size
    slices, group_start = [], 0
    for group in groups:
        group_end = group_start + group.total
        if group_end > start and group_start < end:
            offset = max(start - group_start, 0)
            slices.append(Slice(group, offset, min(group_end, end) - group_start - offset, continued=offset > 0))
        group_start = group_end
    return slices


# --- the page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedConnection:
    connection: Connection
    user_login: str | None


@dataclass(frozen=True)
class ListedGroup:
    """A heading (empty label when the list is not grouped) and its rows on this page."""

    label: str
    total: int
    continued: bool
    rows: list[ListedConnection]


@dataclass(frozen=True)
class ConnectionPage:
    total: int
    page: int
    page_count: int
    groups: list[ListedGroup]

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // page_size))


def rows_query(conditions: Sequence[ColumnElement[bool]], offset: int, limit: int) -> Select[*tuple[Any, ...]]:
    """The page's rows, newest first. The ids are picked first, from indexes alone when they cover the
    conditions: sorting or skipping 100,000 integers is cheap, whole rows (JSON columns and all) are not."""
    page_ids = (
        select(Connection.id).where(*conditions).order_by(Connection.id.desc()).offset(offset).limit(limit)
    ).scalar_subquery()
    return (
        select(Connection, User.login)
        .outerjoin(User, User.id == Connection.user_id)
        .where(Connection.id.in_(page_ids))
        .order_by(Connection.id.desc())
    )


class ConnectionListing(Repository):
    async def rows(self, conditions: Sequence[ColumnElement[bool]], offset: int, limit: int) -> list[ListedConnection]:
        result = await self.session.execute(rows_query(conditions, offset, limit))
        return [ListedConnection(connection, login) for connection, login in result.all()]

    async def page(
        self, viewer: User, criteria: ListCriteria, now: datetime, idle_after_seconds: int
    ) -> ConnectionPage:
        """One page of the list ``viewer`` asked for; a page past the end shows the last page."""
        conditions = filter_conditions(criteria, viewer, now, idle_after_seconds)
        if not criteria.group:
            rows = await self.rows(conditions, 0, PAGE_SIZE) if criteria.page == 1 else []
            if criteria.page == 1 and len(rows) < PAGE_SIZE:
                total = len(rows)  # a short first page is the whole list: no need to count (searches mostly)
            else:
                count = select(func.count()).select_from(Connection).where(*conditions)
                total = await self.session.scalar(count) or 0
            page = min(criteria.page, page_count(total))
            if page != 1:
                rows = await self.rows(conditions, (page - 1) * PAGE_SIZE, PAGE_SIZE)
            return ConnectionPage(total, page, page_count(total), [ListedGroup("", total, False, rows)])
        counts = (await self.session.execute(group_counts_query(criteria.group, conditions))).all()
        groups = groups_from_counts(criteria.group, counts)
        total = sum(group.total for group in groups)
        page = min(criteria.page, page_count(total))
        listed = []
        for part in page_slices(groups, page):
            rows = await self.rows([*conditions, part.group.condition], part.offset, part.limit)
            listed.append(ListedGroup(part.group.label, part.group.total, part.continued, rows))
        return ConnectionPage(total, page, page_count(total), listed)
