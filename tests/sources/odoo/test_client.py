"""The Odoo client against the stand-in: protocol choice, wire formats, retries, timeouts, error mapping."""

from __future__ import annotations

import logging
import re

import httpx2
import pytest

from bastion.sources.errors import (
    AccessDenied,
    CredentialRejected,
    InvalidArguments,
    NotLinked,
    SourceUnavailable,
    UnknownModel,
)
from bastion.sources.odoo.client import OdooClient
from bastion.sources.port import Identity
from tests.sources.odoo.conftest import ODOO_URL, free_port
from tests.sources.odoo.standin import data
from tests.sources.odoo.standin.app import build_standin


async def test_the_protocol_follows_the_server_version(client, odoo_version):
    version = await client.server_version()
    assert version.major == odoo_version
    assert version.version == f"{odoo_version}.0"
    assert version.protocol == ("json-2" if odoo_version >= 19 else "json-rpc")


async def test_the_administrator_can_force_json_rpc_on_odoo_19(alice):
    app, knobs = build_standin(19)
    client = OdooClient(ODOO_URL, data.DATABASE, protocol="json-rpc", transport=httpx2.ASGITransport(app=app))
    try:
        assert (await client.server_version()).protocol == "json-rpc"
        await client.execute(alice, "res.partner", "search_count", params={"domain": []})
        assert knobs.calls[-1]["protocol"] == "json-rpc"
    finally:
        await client.aclose()


async def test_json2_sends_named_arguments_ids_and_the_context_on_every_call(alice):
    app, knobs = build_standin(19)
    client = OdooClient(ODOO_URL, data.DATABASE, transport=httpx2.ASGITransport(app=app))
    try:
        await client.execute(
            alice, "res.partner", "read", ids=[1], params={"fields": ["name"]}, context={"lang": "fr_FR"}
        )
    finally:
        await client.aclose()
    call = knobs.calls[-1]
    assert call == {
        "protocol": "json-2",
        "model": "res.partner",
        "method": "read",
        "ids": [1],
        "params": {"fields": ["name"]},
        "context": {"lang": "fr_FR"},
        "uid": data.ALICE_UID,
    }


async def test_json_rpc_authenticates_once_per_identity_and_passes_the_context_in_kwargs(alice):
    app, knobs = build_standin(17)
    client = OdooClient(ODOO_URL, data.DATABASE, transport=httpx2.ASGITransport(app=app))
    try:
        for _ in range(2):
            await client.execute(alice, "res.partner", "search_count", params={"domain": []}, context={"tz": "UTC"})
    finally:
        await client.aclose()
    assert [c["context"] for c in knobs.calls] == [{"tz": "UTC"}, {"tz": "UTC"}]
    assert all(c["uid"] == data.ALICE_UID for c in knobs.calls)
    assert len(client._uids) == 1


async def test_json2_refuses_positional_arguments_with_a_sentence(alice):
    app, _knobs = build_standin(19)
    client = OdooClient(ODOO_URL, data.DATABASE, transport=httpx2.ASGITransport(app=app))
    try:
        with pytest.raises(
            InvalidArguments, match=re.escape("named arguments only; pass the method's arguments in kwargs")
        ):
            await client.execute(alice, "sale.order", "action_confirm", ids=[1], args=[True])
    finally:
        await client.aclose()


async def test_a_revoked_key_is_reported_as_a_credential_to_relink(client, revoked, odoo_version):
    with pytest.raises(CredentialRejected) as caught:
        await client.execute(revoked, "res.partner", "search_count", params={"domain": []})
    assert caught.value.code == "credential_rejected"
    assert "re-link your Odoo account" in str(caught.value)
    assert "alice-revoked-key-000" not in str(caught.value)


async def test_a_key_revoked_after_login_drops_the_cached_uid(client, knobs, alice, odoo_version):
    await client.execute(alice, "res.partner", "search_count", params={"domain": []})
    del knobs.keys[alice.secret]
    with pytest.raises(CredentialRejected, match=re.escape("re-link your Odoo account")):
        await client.execute(alice, "res.partner", "search_count", params={"domain": []})
    assert client._uids == {}


async def test_an_identity_without_a_key_is_told_to_link_its_account(client):
    with pytest.raises(NotLinked, match=re.escape("link your Odoo account in the console")):
        await client.execute(Identity(1, "carol"), "res.partner", "search_count", params={"domain": []})


async def test_an_access_error_says_what_odoo_said_without_the_traceback(client, alice):
    with pytest.raises(AccessDenied) as caught:
        await client.execute(alice, "res.partner", "unlink", ids=[9])
    message = str(caught.value)
    assert message.startswith("Odoo refused unlink on res.partner: You are not allowed to delete 'Contact'")
    assert "Traceback" not in message and "\n" not in message


async def test_an_unknown_model_is_named_with_the_way_to_find_the_right_one(client, alice):
    with pytest.raises(UnknownModel) as caught:
        await client.execute(alice, "no.such.model", "search_read", params={"domain": []})
    assert str(caught.value) == (
        "Odoo has no model 'no.such.model' you can use; call list_models to see the available models."
    )


async def test_a_non_json_answer_is_reported_as_not_odoo(client, knobs, alice):
    knobs.broken = True
    with pytest.raises(SourceUnavailable) as caught:
        await client.execute(alice, "res.partner", "search_count", params={"domain": []})
    assert str(caught.value) == (
        f"{ODOO_URL} did not answer common.version in Odoo's protocol; check the Odoo URL and database."
    )


async def test_a_slow_odoo_is_reported_within_the_timeout(served_standin, alice):
    url, knobs = served_standin
    client = OdooClient(url, data.DATABASE, timeout=0.2, connect_timeout=0.2)
    try:
        await client.server_version()
        knobs.delay = 2.0
        with pytest.raises(SourceUnavailable) as caught:
            await client.execute(alice, "res.partner", "search_count", params={"domain": []})
    finally:
        knobs.delay = 0
        await client.aclose()
    assert str(caught.value).startswith(f"Odoo at {url} did not answer within 0.2 s")


async def test_an_odoo_that_is_not_running_is_reported_as_unreachable(alice):
    url = f"http://127.0.0.1:{free_port()}"
    client = OdooClient(url, data.DATABASE, retries=1)
    try:
        with pytest.raises(SourceUnavailable, match=re.escape(f"Odoo at {url} could not be reached")):
            await client.server_version()
    finally:
        await client.aclose()


class FlakyTransport(httpx2.AsyncBaseTransport):
    """Fails the first connection attempt of every request, then hands it to the stand-in."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.failures = 0
        self._fail_next = True

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self._fail_next:
            self._fail_next = False
            self.failures += 1
            raise httpx2.ConnectError("connection refused", request=request)
        self._fail_next = True
        return await self.inner.handle_async_request(request)


async def test_reads_are_retried_after_a_connection_failure_and_writes_are_not(alice, odoo_version):
    app, knobs = build_standin(odoo_version)
    flaky = FlakyTransport(httpx2.ASGITransport(app=app))
    client = OdooClient(ODOO_URL, data.DATABASE, transport=flaky)
    try:
        assert await client.execute(alice, "res.partner", "search_count", params={"domain": []}) == 6
        with pytest.raises(SourceUnavailable, match=re.escape("could not be reached")):
            await client.execute(alice, "res.partner", "write", ids=[9], params={"vals": {"phone": "1"}})
    finally:
        await client.aclose()
    assert not any(c["method"] == "write" for c in knobs.calls)


async def test_the_api_key_never_reaches_the_log(client, knobs, alice, revoked, caplog):
    caplog.set_level(logging.DEBUG)
    await client.execute(alice, "res.partner", "search_count", params={"domain": []})
    with pytest.raises(CredentialRejected):
        await client.execute(revoked, "res.partner", "search_count", params={"domain": []})
    assert alice.secret not in caplog.text and revoked.secret not in caplog.text
