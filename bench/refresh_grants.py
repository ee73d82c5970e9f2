"""(a) Refresh-token grants per second at ``/oauth/token``.

Each worker owns one grant (its own authorization-code flow) and chains its refreshes: every grant
rotates the refresh token (RFC 9700 §4.14.2), so the next request must use the one just issued.
One request = client authentication (client_secret_basic) + the compare-and-set that spends the
old refresh token + minting a new access/refresh pair + the audit entry, in one transaction.
"""

from __future__ import annotations

import httpx2

from bench.common import (
    GrantedClient,
    Measurement,
    Step,
    bench_server,
    grant_confidential_client,
    run_benchmark,
    run_bounded,
    unlimited_rates,
)

NAME = "refresh_token grant, chained per worker"


def chained_refresh(http: httpx2.AsyncClient, token_url: str, granted: GrantedClient, worker: int) -> Step:
    auth = httpx2.BasicAuth(granted.client_id, granted.client_secret)

    async def step(_n: int) -> None:
        response = await http.post(
            token_url,
            data={"grant_type": "refresh_token", "refresh_token": granted.refresh_tokens[worker]},
            auth=auth,
        )
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} {response.text[:200]}")
        granted.refresh_tokens[worker] = response.json()["refresh_token"]

    return step


async def measure(backend: str, *, concurrency: int, max_requests: int, max_seconds: float) -> Measurement:
    async with bench_server(backend) as server:
        unlimited_rates(server)
        granted = await grant_confidential_client(server, concurrency)
        clients = [httpx2.AsyncClient(trust_env=False, timeout=30.0) for _ in range(concurrency)]
        try:
            steps = [chained_refresh(http, server.token_url, granted, i) for i, http in enumerate(clients)]
            return await run_bounded(
                Measurement(NAME, backend), steps, max_requests=max_requests, max_seconds=max_seconds
            )
        finally:
            for http in clients:
                await http.aclose()


if __name__ == "__main__":
    run_benchmark(__doc__.splitlines()[0], measure, concurrency=8)
