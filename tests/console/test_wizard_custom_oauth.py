"""Connect a New Tool ▸ Custom OAuth over HTTP, step for step as the seed page describes it.

Step 2 configures the client; *Next* shows the credentials once and stores nothing; *Save Connection*
stores exactly what was shown, once; leaving the Done step creates nothing.
"""

from __future__ import annotations

import re

import httpx2
import pytest
from markupsafe import escape

from bastion import credentials
from bastion.setup_snippets import curl_body, curl_headers
from tests.console.test_accounts_pages import hidden
from tests.console.test_wizard_pages import (
    MCP_URL,
    all_connections,
    connection_count,
    csrf_of,
    input_value,
    signed_in,
    text_of,
    user_named,
)
from tests.mcp.helpers import audit_events

FORM = "/console/connect/custom-oauth"
SAVE = "/console/connect/custom-oauth/save"
CHECK = "/console/connect/custom-oauth/check-redirect-uris"
CALLBACK = "https://n8n.example.com/rest/oauth2-credential/callback"


async def next_step(browser: httpx2.AsyncClient, **fields: str) -> httpx2.Response:
    data = {
        "name": "Acme Internal CRM",
        "client_type": "confidential",
        "redirect_uris": CALLBACK,
        "csrf_token": await csrf_of(browser, FORM),
    } | fields
    return await browser.post(FORM, data=data)


async def save(browser: httpx2.AsyncClient, done_page: str, **overrides: str) -> httpx2.Response:
    data = {"csrf_token": hidden(done_page, "csrf_token"), "pending": hidden(done_page, "pending")} | overrides
    return await browser.post(SAVE, data=data)


# --- step 2 ------------------------------------------------------------------------------------------


async def test_step_2_has_the_seed_pages_fields_with_labels(app, services):
    async with signed_in(app, services) as browser:
        response = await browser.get(FORM)

    page = response.text
    assert response.status_code == 200 and "Step 2 of 3" in page
    assert input_value(page, "mcp-url") == MCP_URL and 'data-copy-target="mcp-url"' in page
    assert '<label for="name">OAuth Client Name</label>' in page
    assert "<legend>Client Type</legend>" in page
    assert '<label for="client-type-confidential">Confidential — has a client secret</label>' in page
    assert "For backend integrations that can keep a secret. The standard choice." in page
    assert '<label for="client-type-public">Public — PKCE only, no secret</label>' in page
    assert "For single-page or mobile apps that cannot keep a secret" in page
    assert 'value="confidential" checked' in page
    assert '<label for="redirect_uris">Allowed Redirect URIs</label>' in page
    assert "One per line." in page and "The app or service tells you what to enter here." in page
    assert f'hx-post="{CHECK}"' in page
    assert '<button type="submit" class="button primary">Next</button>' in page


# --- Next: the credentials, shown once, nothing stored -----------------------------------------------


async def test_next_shows_endpoint_client_id_and_secret_with_the_warning_and_stores_nothing(app, services):
    async with signed_in(app, services) as browser:
        response = await next_step(browser)

    page = response.text
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert ">Done<" in page and "Review and copy the credentials" in page
    assert input_value(page, "mcp-url") == MCP_URL
    assert input_value(page, "client-id").startswith("bst_ci_")
    assert input_value(page, "client-secret").startswith("bst_cs_")
    for target in ("mcp-url", "client-id", "client-secret"):
        assert f'data-copy-target="{target}"' in page
    words = text_of(page)
    assert "Both the Client ID and the Client Secret are shown exactly once, on this screen." in words
    assert "Copy both before you choose Save Connection ." in words
    assert (
        "If you miss the secret, you can rotate it later from the connection page, but the value you missed is gone."
        in words
    )
    assert "Token lifetimes (access token, refresh token, refresh grace window) are set in" in words
    assert '<button type="submit" class="button primary">Save Connection</button>' in page
    # The secret itself is not in the sealed form, and nothing exists yet.
    assert input_value(page, "client-secret") not in hidden(page, "pending")
    assert await connection_count(services) == 0
    assert await audit_events(services, "connection.created") == []


async def test_a_public_client_gets_no_secret_and_is_told_pkce_replaces_it(app, services):
    async with signed_in(app, services) as browser:
        page = (await next_step(browser, client_type="public")).text

    assert 'id="client-secret"' not in page and "bst_cs_" not in page
    assert "A public client has no secret: the application proves itself with PKCE (S256) instead." in text_of(page)


@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        ({"name": ""}, ["Give the connection a name"]),
        ({"client_type": "semi-public"}, ["Choose Confidential (has a client secret) or Public"]),
        ({"redirect_uris": "\n  \n"}, ["Give at least one redirect URI"]),
        (
            {"redirect_uris": f"{CALLBACK}\nftp://files.example.com/cb\nhttp://crm.example.com/callback\n{CALLBACK}"},
            [
                "3 lines cannot be registered; fix them:",
                "Line 2: 'ftp://files.example.com/cb' uses the scheme 'ftp'",
                "Line 3: 'http://crm.example.com/callback' uses http on a non-loopback host",
                "Line 4: repeats line 1; give each redirect URI once.",
            ],
        ),
        (
            {"redirect_uris": "https://app.example.com/cb#done"},
            ["Line 1: 'https://app.example.com/cb#done' has a fragment"],
        ),
        ({"redirect_uris": "app.example.com/callback"}, ["Line 1: 'app.example.com/callback' is not an absolute URL"]),
    ],
)
async def test_bad_input_comes_back_with_a_precise_message_and_the_values_kept(app, services, fields, messages):
    async with signed_in(app, services) as browser:
        response = await next_step(browser, **({"name": "Kept name", "client_type": "public"} | fields))

    assert response.status_code == 400
    words = text_of(response.text)
    for message in messages:
        assert message in words
    assert "Nothing was created" in words
    if "name" not in fields:
        assert 'value="Kept name"' in response.text
    if "client_type" not in fields:
        assert 'value="public" checked' in response.text
    if "redirect_uris" in fields and fields["redirect_uris"].strip():
        assert f">{escape(fields['redirect_uris'])}</textarea>" in response.text
    assert await connection_count(services) == 0


async def test_blank_lines_and_spaces_around_a_uri_are_ignored(app, services):
    async with signed_in(app, services) as browser:
        page = (await next_step(browser, redirect_uris=f"\r\n  {CALLBACK}  \r\n\r\nhttp://127.0.0.1:8765/cb\r\n")).text

    assert f"<li><code>{CALLBACK}</code></li>" in page and "<li><code>http://127.0.0.1:8765/cb</code></li>" in page


async def test_the_live_check_returns_the_same_messages_as_a_fragment(app, services):
    async with signed_in(app, services) as browser:
        csrf = await csrf_of(browser, FORM)
        bad = await browser.post(CHECK, data={"csrf_token": csrf, "redirect_uris": f"{CALLBACK}\nnot a url"})
        good = await browser.post(CHECK, data={"csrf_token": csrf, "redirect_uris": f"{CALLBACK}\nhttp://localhost/cb"})
        empty = await browser.post(CHECK, data={"csrf_token": csrf, "redirect_uris": "  "})
        forged = await browser.post(CHECK, data={"csrf_token": "nope", "redirect_uris": CALLBACK})

    assert bad.status_code == 200 and "<html" not in bad.text
    assert "1 line cannot be registered; fix it:" in bad.text
    assert "Line 2: &#39;not a url&#39; is not an absolute URL" in bad.text
    assert "All 2 redirect URIs can be registered." in good.text
    assert empty.text.strip() == ""
    assert forged.status_code == 403
    assert await connection_count(services) == 0


# --- Save Connection ---------------------------------------------------------------------------------


async def test_save_stores_exactly_the_credentials_shown_and_returns_to_the_list(app, services):
    async with signed_in(app, services, "alice") as browser:
        done = (await next_step(browser, redirect_uris=f"{CALLBACK}\nhttp://127.0.0.1/cb")).text
        saved = await save(browser, done)

    [connection] = await all_connections(services)
    alice = await user_named(services, "alice")
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/console/connections?saved={connection.id}"
    assert connection.type == "oauth" and connection.name == "Acme Internal CRM"
    assert connection.client_id == input_value(done, "client-id")
    assert credentials.digest_matches(input_value(done, "client-secret"), connection.client_secret_digest)
    assert connection.client_type == "confidential" and connection.token_endpoint_auth_method == "client_secret_basic"
    assert connection.redirect_uris == [CALLBACK, "http://127.0.0.1/cb"]
    assert connection.user_id == alice.id and connection.is_dynamic is False
    [event] = await audit_events(services, "connection.created")
    assert (event.connection_id, event.user_id, event.detail) == (connection.id, alice.id, {"kind": "oauth"})


async def test_the_saved_client_id_and_secret_get_a_token_that_calls_whoami(app, services, client):
    async with signed_in(app, services, "alice") as browser:
        done = (await next_step(browser)).text
        await save(browser, done)

    token = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "resource": MCP_URL},
        auth=(input_value(done, "client-id"), input_value(done, "client-secret")),
    )
    assert token.status_code == 200, token.text
    headers = dict(curl_headers(token.json()["access_token"]))
    answered = await client.post("/mcp", json=curl_body(), headers=headers)
    assert answered.status_code == 200, answered.text
    me = answered.json()["result"]["structuredContent"]
    assert me["user"]["login"] == "alice"
    assert me["client"] == {"client_id": input_value(done, "client-id"), "dynamic": False}


async def test_a_public_client_is_saved_without_a_secret(app, services):
    async with signed_in(app, services) as browser:
        done = (await next_step(browser, client_type="public")).text
        await save(browser, done)

    [connection] = await all_connections(services)
    assert connection.client_type == "public" and connection.client_secret_digest is None
    assert connection.token_endpoint_auth_method == "none"
    assert connection.grant_types == ["authorization_code", "refresh_token"]


async def test_saving_the_same_form_twice_keeps_one_connection_and_says_it_is_saved(app, services):
    async with signed_in(app, services) as browser:
        done = (await next_step(browser)).text
        first = await save(browser, done)
        second = await save(browser, done)

    [connection] = await all_connections(services)
    assert first.status_code == 303
    assert second.status_code == 409
    assert "This connection is already saved" in second.text
    assert f"“Acme Internal CRM” was saved before, as connection #{connection.id}." in second.text
    assert f'href="/console/connections/{connection.id}">Open the connection</a>' in second.text
    assert len(await audit_events(services, "connection.created")) == 1


async def test_leaving_the_done_step_without_saving_creates_nothing(app, services):
    async with signed_in(app, services) as browser:
        await next_step(browser)
        await next_step(browser, client_type="public")
        page = (await browser.get("/console/connect")).text

    assert "Step 1 of 3" in page
    assert await connection_count(services) == 0


async def test_a_save_more_than_an_hour_later_is_refused_and_stores_nothing(app, services, clock):
    async with signed_in(app, services) as browser:
        done = (await next_step(browser)).text
        clock.advance(3601)
        response = await save(browser, done)

    assert response.status_code == 400
    words = text_of(response.text)
    assert "This form expired" in words
    assert "nothing was saved and that client ID and secret will never work. Start again to get new ones." in words
    assert f'href="{FORM}">Start again</a>' in response.text
    assert await connection_count(services) == 0


async def test_a_changed_pending_registration_is_refused_and_stores_nothing(app, services):
    async with signed_in(app, services) as browser:
        done = (await next_step(browser)).text
        pending = hidden(done, "pending")
        changed = await save(browser, done, pending=pending[:-2] + ("AA" if not pending.endswith("AA") else "BB"))
        missing = await save(browser, done, pending="")

    for response in (changed, missing):
        assert response.status_code == 400
        assert "The form was changed or did not come from this server, so nothing was saved." in response.text
    assert await connection_count(services) == 0


async def test_a_save_without_the_sessions_csrf_token_stores_nothing(app, services):
    async with signed_in(app, services) as browser:
        done = (await next_step(browser)).text
        response = await save(browser, done, csrf_token="forged")

    assert response.status_code == 403 and "This form expired" in response.text
    assert await connection_count(services) == 0


async def test_another_user_cannot_save_a_form_made_for_someone_else(app, services):
    async with signed_in(app, services, "alice") as alice:
        done = (await next_step(alice)).text
    async with signed_in(app, services, "mallory") as mallory:
        response = await mallory.post(
            SAVE, data={"csrf_token": await csrf_of(mallory), "pending": hidden(done, "pending")}
        )

    assert response.status_code == 403
    assert "This form belongs to another account" in response.text
    assert await connection_count(services) == 0


async def test_a_client_name_and_redirect_uri_with_markup_stay_text(app, services):
    name = "<script>alert(1)</script>"
    uri = "https://app.example.com/cb?next=<script>alert(2)</script>"
    async with signed_in(app, services) as browser:
        done = (await next_step(browser, name=name, redirect_uris=uri)).text
        refused = (await next_step(browser, name=name, redirect_uris="javascript:<script>alert(3)</script>")).text
        await save(browser, done)
        saved_twice_page = (await save(browser, done)).text

    for page in (done, refused, saved_twice_page):
        assert not re.search(r"<script>alert\(\d\)</script>", page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in done
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in refused


async def test_a_save_after_the_session_ended_says_nothing_was_saved_and_how_to_start_again(app, services):
    async with signed_in(app, services) as browser:
        done = (await next_step(browser)).text
        browser.cookies.clear()
        response = await browser.post(SAVE, data={"csrf_token": "x", "pending": hidden(done, "pending")})

    assert response.status_code == 401
    assert "Your session ended before Save Connection, so nothing was saved" in response.text
    assert 'href="/console/login?next=%2Fconsole%2Fconnect%2Fcustom-oauth">Sign in</a>' in response.text
    assert await connection_count(services) == 0
