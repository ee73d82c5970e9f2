"""``/metrics`` in the Prometheus text format: a few gauges read from the database plus this process's counters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from bastion.services import Services
from bastion.store.repositories import Connections, Tokens


def metrics_endpoint(services: Services) -> Callable[[Request], Awaitable[PlainTextResponse]]:
    async def metrics(_request: Request) -> PlainTextResponse:
        now = services.clock()
        async with services.transaction() as session:
            active_connections = await Connections(session).count_unrevoked()
            active_tokens = await Tokens(session).count_live_access(now)
        lines = [
            "# HELP bastion_connections_active Connections that are not revoked.",
            "# TYPE bastion_connections_active gauge",
            f"bastion_connections_active {active_connections}",
            "# HELP bastion_access_tokens_active Access tokens neither expired nor revoked.",
            "# TYPE bastion_access_tokens_active gauge",
            f"bastion_access_tokens_active {active_tokens}",
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
