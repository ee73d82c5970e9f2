"""RFC 8252 §7.3: a native app's loopback redirect may use any port; everything else must match exactly."""

import html

import pytest

from tests.factories import make_oauth_client
from tests.oauth.authorization_helpers import (
    authorize_params,
    codes,
    decide,
    make_person,
    redirect_query,
    redirect_target,
    sign_in,
)


async def authorize(client, connection, redirect_uri):
    return await client.get(
        "/oauth/authorize", params=authorize_params(connection.client_id, redirect_uri=redirect_uri)
    )


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        ("http://127.0.0.1:3000/callback", "http://127.0.0.1:51234/callback"),
        ("http://localhost:3000/callback", "http://localhost:6274/callback"),
        ("http://[::1]:3000/callback", "http://[::1]:40000/callback"),
        ("http://127.0.0.1/callback", "http://127.0.0.1:8080/callback"),
    ],
)
async def test_a_loopback_redirect_may_use_another_port_and_the_code_is_bound_to_it(
    client, services, registered, requested
):
    connection = (await make_oauth_client(services, client_type="public", redirect_uris=[registered])).connection
    await sign_in(services, client, await make_person(services, "alice"))

    page = await authorize(client, connection, requested)
    response = await decide(client, page)

    assert page.status_code == 200
    assert redirect_target(response) == requested
    assert redirect_query(response)["code"].startswith("bst_ac_")
    (code,) = await codes(services)
    assert code.redirect_uri == requested


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        ("http://127.0.0.1:3000/callback", "http://127.0.0.1:3000/other"),  # another path
        ("http://localhost:3000/callback", "http://localhost:4000/callback/extra"),  # a longer path
        ("http://127.0.0.1:3000/callback", "http://localhost:3000/callback"),  # another loopback host
        ("http://127.0.0.1:3000/callback", "http://127.0.0.1:3000/callback?x=1"),  # an extra query
        ("https://localhost:8443/callback", "https://localhost:9999/callback"),  # https is matched exactly
        ("http://localhost:3000/callback", "https://localhost:3000/callback"),  # another scheme
    ],
)
async def test_only_the_port_of_a_loopback_redirect_may_differ(client, services, registered, requested):
    connection = (await make_oauth_client(services, client_type="public", redirect_uris=[registered])).connection
    await sign_in(services, client, await make_person(services, "alice"))

    response = await authorize(client, connection, requested)

    assert response.status_code == 400
    assert "location" not in response.headers
    assert "is not registered for this app" in html.unescape(response.text)


async def test_a_self_registered_native_client_gets_its_code_on_whatever_port_it_listens(client, services):
    registered = await client.post(
        "/oauth/register",
        json={
            "redirect_uris": ["http://localhost/callback"],
            "token_endpoint_auth_method": "none",
            "application_type": "native",
            "client_name": "Claude Code",
        },
    )
    connection_id = registered.json()["client_id"]
    await sign_in(services, client, await make_person(services, "alice"))

    page = await client.get(
        "/oauth/authorize", params=authorize_params(connection_id, redirect_uri="http://localhost:53682/callback")
    )
    response = await decide(client, page)

    assert redirect_target(response) == "http://localhost:53682/callback"
    assert "an app on this computer (localhost)" in page.text
