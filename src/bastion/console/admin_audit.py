"""The audit log, read-only: newest first, filtered by event, connection and user, keyset-paged on id.

The log is append-only; this page offers no way to change or delete an entry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bastion.console.pages import ConsolePages, parse_id, utc
from bastion.governance.audit import EVENTS
from bastion.store.models import AuditEvent
from bastion.store.repositories import AuditLog, AuditQuery, Users

PAGE_SIZE = 50
# How long the log page waits for this process's queued entries before it reads what is there.
FLUSH_WAIT_SECONDS = 2.0


def is_whole_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class AuditFilters:
    """What the administrator asked for, from the query string, with a message per value that makes no sense."""

    event: str = ""
    connection: str = ""
    user: str = ""
    before: int | None = None
    after: int | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> tuple[AuditFilters, dict[str, str]]:
        errors = {}
        event = params.get("event", "").strip()
        if event and event not in EVENTS:
            errors["event"] = f"There is no event {event!r}; choose one from the list."
        connection = params.get("connection", "").strip()
        if connection and not is_whole_number(connection):
            errors["connection"] = "A connection id is a whole number, e.g. 42 (the connection's page shows it)."
        user = params.get("user", "").strip()
        if user and not is_whole_number(user):
            errors["user"] = "Choose a user from the list."
        filters = cls(
            event=event,
            connection=connection,
            user=user,
            before=parse_id(params.get("before", "").strip()),
            after=parse_id(params.get("after", "").strip()),
        )
        return filters, errors

    def query_string(self, **changes: Any) -> str:
        """The bookmarkable query of these filters with ``changes`` applied; a new filter starts at the newest."""
        wanted = replace(self, **changes)
        pairs = {
            "event": wanted.event,
            "connection": wanted.connection,
            "user": wanted.user,
            "before": str(wanted.before or ""),
            "after": str(wanted.after or ""),
        }
        return urlencode({name: value for name, value in pairs.items() if value})

    @property
    def narrows(self) -> bool:
        return bool(self.event or self.connection or self.user)


def compact_detail(detail: dict[str, Any] | None) -> str:
    """An entry's details as one line of JSON, keys sorted; the template escapes it like any stored text."""
    if not detail:
        return ""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), default=str)


class AuditPages(ConsolePages):
    async def index(self, request: Request) -> Response:
        filters, errors = AuditFilters.from_query(request.query_params)
        # What this process's requests queued a moment ago is shown too (a stalled database does not hang the page).
        await self.services.batch_writer.flush(wait_at_most=FLUSH_WAIT_SECONDS)
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            users = await Users(session).listing()
            entries: list[AuditEvent] = []
            has_newer = has_older = False
            connection_id, user_id = parse_id(filters.connection), parse_id(filters.user)
            # A whole number that is no id (0, or beyond 32 bits) names nothing: no entry is about it.
            names_nothing = (filters.connection and connection_id is None) or (filters.user and user_id is None)
            if not errors and not names_nothing:
                log = AuditLog(session)
                wanted = AuditQuery(event=filters.event or None, connection_id=connection_id, user_id=user_id)
                entries = list(
                    await log.page(wanted, before_id=filters.before, after_id=filters.after, limit=PAGE_SIZE)
                )
                if entries:
                    has_newer = bool(await log.page(wanted, after_id=entries[0].id, limit=1))
                    has_older = bool(await log.page(wanted, before_id=entries[-1].id, limit=1))
        logins = {user.id: user.login for user in users}
        context: dict[str, Any] = {
            "visitor": visitor,
            "section": "audit",
            "filters": filters,
            "errors": errors,
            "events": EVENTS,
            "users": users,
            "entries": entries,
            "logins": logins,
            "newer_query": filters.query_string(before=None, after=entries[0].id) if has_newer else None,
            "older_query": filters.query_string(before=entries[-1].id, after=None) if has_older else None,
            "newest_query": filters.query_string(before=None, after=None),
            "paged": bool(filters.before or filters.after),
            "compact_detail": compact_detail,
            "utc": utc,
            "page_size": PAGE_SIZE,
        }
        return self.render(request, "audit.html", context, 400 if errors else 200)
