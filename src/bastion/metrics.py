"""``/metrics`` in the Prometheus text format: a few gauges read from the database plus this process's counters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from bastion.services import Services
from bastion.store.models import Connection, Token


def metrics_endpoint(services: Services) -> Callable[[Request], Awaitable[PlainTextResponse]]:
    async def metrics(_request: Request) -> PlainTextResponse:
        now = services.clock()
        async with services.transaction() as session:
            active_connections = await session.scalar(
                select(func.count()).select_from(Connection).where(Connection.revoked_at.is_(None))
            )
            active_tokens = await session.scalar(
                select(func.count())
                .select_from(Token)
                .where(Token.kind == "access", Token.revoked_at.is_(None), Token.expires_at > now)
            )
        lines = [
            "# HELP bastion_connections_active Connections that are not revoked.",
            "# TYPE bastion_connections_active gauge",
            f"bastion_connections_active {active_connections or 0}",
            "# HELP bastion_access_tokens_active Access tokens neither expired nor revoked.",
            "# TYPE bastion_access_tokens_active gauge",
            f"bastion_access_tokens_active {active_tokens or 0}",
        ]
        for name, value in sorted(services.counters.items()):
            lines += [f"# TYPE bastion_{name}_total counter", f"bastion_{name}_total {value}"]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    return metrics
