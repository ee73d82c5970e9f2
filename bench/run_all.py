"""Run the three benchmarks, each on its own fresh ``bastion serve``, and print one table.

.venv/bin/python -m bench.run_all                 # SQLite
.venv/bin/python -m bench.run_all --postgres      # and PostgreSQL ($BASTION_TEST_POSTGRES_URL)
"""

from __future__ import annotations

import anyio

from bench import refresh_grants, token_checks, whoami_calls
from bench.common import Measurement, backends, parse_arguments, print_table


async def main() -> None:
    args = parse_arguments("Run every Bastion benchmark.", concurrency=8)
    bounds = {"concurrency": args.concurrency, "max_requests": args.requests, "max_seconds": args.seconds}
    results: list[Measurement] = []
    for backend in backends(args.postgres):
        results.append(await refresh_grants.measure(backend, **bounds))
        results += await token_checks.measure(backend, **bounds)
        results += await whoami_calls.measure(backend, **bounds)
    print_table(results)


if __name__ == "__main__":
    anyio.run(main)
