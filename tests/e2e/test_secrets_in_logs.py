"""No secret in the server's log: a real ``bastion serve`` goes through the setup link, an OAuth sign-in with
its token grants and an API-key call, and its captured output holds no Bastion credential afterwards.

The one exception is by design: the setup banner ``serve`` prints for the operator on start.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import httpx2
import pytest

from bastion.cli import text
from tests.e2e.browser import InMemoryTokenStorage, ScriptedBrowser, find_form
from tests.e2e.mcp_clients import (
    expire_access_token,
    loopback_redirect_uri,
    mcp_session,
    oauth_provider,
    pre_registered_client,
    tool_payload,
)
from tests.e2e.server import running_bastion

pytestmark = pytest.mark.e2e

PASSWORD = "a long administrator passphrase"
SETUP_LINK = re.compile(r"http://\S+/console/setup\?token=(bst_su_\S+)")
CREDENTIAL_PREFIXES = ("bst_su_", "bst_at_", "bst_rt_", "bst_ak_", "bst_cs_", "bst_")


async def set_the_first_password(setup_url: str) -> None:
    async with httpx2.AsyncClient(follow_redirects=False, trust_env=False, timeout=10.0) as http:
        page = await http.get(setup_url)
        assert page.status_code == 200, page.text
        form = find_form(page, method="post", action="/console/setup")
        done = await http.post(
            urljoin(setup_url, form.action),
            data={**form.hidden, "password": PASSWORD, "password_confirmation": PASSWORD},
        )
        assert done.status_code == 303, done.text


async def test_a_full_journey_leaves_no_credential_in_the_server_log(tmp_path: Path, e2e_database_url: str) -> None:
    with running_bastion(tmp_path / "home", e2e_database_url) as server:
        [setup_token] = SETUP_LINK.findall(server.log())
        banner = text.setup_link_banner("admin", f"{server.base_url}/console/setup?token={setup_token}")
        await set_the_first_password(f"{server.base_url}/console/setup?token={setup_token}")

        redirect_uri = loopback_redirect_uri()
        created = server.cli_json(
            "connections", "add-oauth", "--name", "Acme CRM", "--type", "confidential", "--redirect-uri", redirect_uri,
        )  # fmt: skip
        browser = ScriptedBrowser(server.base_url, server.issuer, login="admin", password=PASSWORD)
        storage = InMemoryTokenStorage(
            pre_registered_client(created["client_id"], created["client_secret"], redirect_uri)
        )
        provider = oauth_provider(server, browser, storage, redirect_uri=redirect_uri)
        try:
            async with mcp_session(server, auth=provider) as client:
                assert tool_payload(await client.call_tool("whoami", {}))["user"]["login"] == "admin"
                expire_access_token(provider)
                assert tool_payload(await client.call_tool("whoami", {}))["user"]["login"] == "admin"
        finally:
            await browser.aclose()
        assert storage.tokens is not None and storage.tokens.access_token.startswith("bst_at_")

        key = server.cli_json("connections", "add-key", "--name", "Nightly report", "--user", "admin")["api_key"]
        async with mcp_session(server, headers={"Authorization": f"Bearer {key}"}) as client:
            assert tool_payload(await client.call_tool("whoami", {}))["connection"]["type"] == "api_key"
        server.stop()
        log = server.log()

    assert banner in log
    # The banner is shown to the operator on purpose, once; everything after it is what a log keeps.
    rest = log.replace(banner, "")
    for prefix in CREDENTIAL_PREFIXES:
        assert prefix not in rest, f"a {prefix} credential is in the server log:\n{rest}"
    assert "/console/setup?token=[redacted]" in rest, "the setup link's request is logged, redacted"
