"""``/metrics`` in the Prometheus text format: this process's counters, and two gauges refreshed once a minute.

Only requests made on this machine may read it, unless the ``metrics_public`` setting is on. A scrape
costs no COUNT over the tables: the gauges are counted at most once per ``GAUGE_MAX_AGE`` in each process.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from bastion.services import Services
from bastion.store.repositories import Connections, Tokens

GAUGE_MAX_AGE = timedelta(minutes=1)
# A proxy adds one of these: a request that came through one did not start on this machine.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
NOT_LOCAL = (
    "/metrics answers only requests made on this machine, not through a proxy. To let Prometheus scrape it "
    "from elsewhere, turn on Server Settings > Monitoring, or run: bastion settings set metrics_public true\n"
)


def made_on_this_machine(request: Request) -> bool:
    peer = request.client.host if request.client else ""
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Gauges:
    counted_at: datetime
    active_connections: int
    active_tokens: int


def metrics_endpoint(services: Services) -> Callable[[Request], Awaitable[PlainTextResponse]]:
    latest: Gauges | None = None

    async def metrics(request: Request) -> PlainTextResponse:
        nonlocal latest
        now = services.clock()
        async with services.transaction() as session:
            if not made_on_this_machine(request) and not (await services.server_settings(session)).metrics_public:
                return PlainTextResponse(NOT_LOCAL, status_code=403)
            if latest is None or now - latest.counted_at >= GAUGE_MAX_AGE:
                latest = Gauges(
                    now, await Connections(session).count_unrevoked(), await Tokens(session).count_live_access(now)
                )
        lines = [
            "# HELP bastion_connections_active Connections that are not revoked (counted once a minute).",
            "# TYPE bastion_connections_active gauge",
            f"bastion_connections_active {latest.active_connections}",
            "# HELP bastion_access_tokens_active Access tokens neither expired nor revoked (counted once a minute).",
            "# TYPE bastion_access_tokens_active gauge",
            f"bastion_access_tokens_active {latest.active_tokens}",
        ]
        writer = services.batch_writer
        lines += [
            "# HELP bastion_batch_writer_queue_depth Audit entries and connection uses waiting to be written.",
            "# TYPE bastion_batch_writer_queue_depth gauge",
            f"bastion_batch_writer_queue_depth {writer.depth}",
        ]
        for name, value, meaning in (
            ("batches_written", writer.batches_written, "Batches committed (one transaction each)."),
            ("rows_written", writer.rows_written, "Audit entries inserted plus connection rows updated."),
            ("retries", writer.retries, "Batch writes that failed and were tried again."),
            ("rows_failed", writer.rows_failed, "Rows given up on, each logged with its content."),
        ):
            lines += [
                f"# HELP bastion_batch_writer_{name}_total {meaning}",
                f"# TYPE bastion_batch_writer_{name}_total counter",
                f"bastion_batch_writer_{name}_total {value}",
            ]
        for name, value in sorted(services.counters.items()):
            lines += [f"# TYPE bastion_{name}_total counter", f"bastion_{name}_total {value}"]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    return metrics
