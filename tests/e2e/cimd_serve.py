"""``bastion serve`` for the metadata document journeys: the same app, settings and migrations, with the one
test hook no deployment has: metadata document host names resolve as the test says, and the loopback address
standing in for a public one is allowed. The CA comes the documented way, ``BASTION_CLIENT_METADATA_CA_FILE``.

Run as ``python -m tests.e2e.cimd_serve --host 127.0.0.1 --port N --resolve client.test=127.0.0.2``.
"""

from __future__ import annotations

import argparse
import ipaddress

import uvicorn

from bastion.access_log import uvicorn_log_config
from bastion.app import create_app
from bastion.config import Settings
from bastion.oauth.metadata_fetch import IpAddress, MetadataFetcher, is_public_address
from bastion.services import build_services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--resolve", action="append", default=[], help="HOST=ADDRESS, allowed as if public")
    options = parser.parse_args()
    answers = dict(item.split("=", 1) for item in options.resolve)
    pretend_public = {ipaddress.ip_address(address) for address in answers.values()}

    async def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError(f"{host} is not known to this test server")
        return [answers[host]]

    def allowed(address: IpAddress) -> bool:
        return address in pretend_public or is_public_address(address)

    settings = Settings.from_env(host=options.host, port=options.port)
    services = build_services(settings)
    services.metadata_fetcher = MetadataFetcher(
        settings.client_metadata_ca_file, resolver=resolve, address_allowed=allowed
    )
    uvicorn.run(
        create_app(settings, services=services),
        host=options.host,
        port=options.port,
        workers=1,
        proxy_headers=False,
        log_level="info",
        log_config=uvicorn_log_config(),
    )


if __name__ == "__main__":
    main()
