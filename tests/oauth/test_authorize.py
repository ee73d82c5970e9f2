import html
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from bastion.oauth.authorization_request import AuthorizationRefused, check_authorization_request
from bastion.oauth.authorize import with_query
from bastion.oauth.errors import InvalidScope
from bastion.store.models import AuthorizationCode, Connection, Consent
from tests.factories import PASSWORD, make_oauth_client, make_user
from tests.oauth.authorization_helpers import (
    CALLBACK,
    CHALLENGE,
    ISSUER,
    RESOURCE,
    STATE,
    audit_events,
    authorize_params,
    codes,
    consent_form,
    consents,
    count_rows,
    decide,
    form_data,
    forms,
    make_person,
    redirect_query,
    redirect_target,
    sign_in,
)


@pytest.fixture
async def alice(services):
    return await make_person(services, "alice")


@pytest.fixture
async def oauth_client(services):
    return (await make_oauth_client(services)).connection


async def consent_page_for(client, oauth_client, **overrides):
    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id, **overrides))
    assert response.status_code == 200, response.text
    return response


def assert_error_page(response, status, error, description):
    """An error shown to the person: never a redirect to the client."""
    assert response.status_code == status
    assert "location" not in response.headers
    assert f'<code class="mono">{error}</code>' in response.text
    assert description in html.unescape(response.text)


# --- sign-in and the consent page --------------------------------------------------------------------


async def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(client, oauth_client):
    params = authorize_params(oauth_client.client_id, prompt="consent")

    response = await client.get("/oauth/authorize", params=params)

    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/console/login"
    (next_path,) = parse_qs(location.query)["next"]
    assert next_path.startswith("/oauth/authorize?")
    assert {k: v[0] for k, v in parse_qs(urlsplit(next_path).query).items()} == params


async def test_signing_in_through_the_login_form_leads_to_the_consent_page_and_a_code(client, services, oauth_client):
    await make_user(services, "alice")
    first = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id))
    login_page = await client.get(first.headers["location"])
    login_form = dict(
        (a["name"], a.get("value") or "")
        for tag, a in forms(login_page.text)[-1]["fields"]
        if tag == "input" and a.get("type") == "hidden"
    )

    signed_in = await client.post("/console/login", data={**login_form, "login": "alice", "password": PASSWORD})
    page = await client.get(signed_in.headers["location"])
    response = await decide(client, page)

    assert signed_in.status_code == 303
    assert "Allow" in page.text
    assert redirect_target(response) == CALLBACK
    assert redirect_query(response)["code"].startswith("bst_ac_")


async def test_the_consent_page_names_the_client_the_redirect_host_the_scopes_and_the_user(
    client, services, alice, oauth_client
):
    await sign_in(services, client, alice)

    page = await consent_page_for(client, oauth_client)

    assert "Acme Internal CRM" in page.text
    assert '<strong class="mono">app.example.com</strong>' in page.text
    assert "Read and change your data" in page.text
    assert "Signed in as <strong>alice</strong>" in page.text
    assert "registered itself" not in page.text


async def test_the_consent_form_carries_the_whole_request_a_csrf_token_and_both_choices(
    client, services, alice, oauth_client
):
    csrf_token = await sign_in(services, client, alice)
    params = authorize_params(oauth_client.client_id)

    form = consent_form((await consent_page_for(client, oauth_client)).text)

    assert form["method"] == "post"
    assert set(params.items()) | {("csrf_token", csrf_token)} == set(form["hidden"])
    assert form["radios"] == ["full", "read"]
    assert (form["checked"], form["disabled"]) == (["full"], [])
    assert form["buttons"] == ["allow", "deny"]


async def test_the_consent_page_cannot_be_cached_or_framed(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    page = await consent_page_for(client, oauth_client)

    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_a_client_name_with_markup_is_shown_escaped(client, services, alice):
    hostile = (await make_oauth_client(services, name="<script>alert(1)</script>")).connection
    await sign_in(services, client, alice)

    page = await consent_page_for(client, hostile)

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_a_self_registered_client_is_marked_as_unverified(client, services, alice, oauth_client):
    async with services.transaction() as session:
        await session.execute(update(Connection).where(Connection.id == oauth_client.id).values(is_dynamic=True))
    await sign_in(services, client, alice)

    page = await consent_page_for(client, oauth_client)

    assert "This app registered itself" in page.text


async def test_showing_the_consent_page_writes_nothing(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    events_before = len(await audit_events(services, "code.issued")) + len(
        await audit_events(services, "consent.granted")
    )

    await consent_page_for(client, oauth_client)
    await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id))

    assert await count_rows(services, AuthorizationCode) == 0
    assert await count_rows(services, Consent) == 0
    assert events_before == 0
    assert await audit_events(services, "code.issued") == []


async def test_an_unauthenticated_request_writes_nothing(client, services, oauth_client):
    await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id))

    assert await count_rows(services, AuthorizationCode) == 0
    assert await count_rows(services, Consent) == 0


# --- the decision ------------------------------------------------------------------------------------


async def test_allowing_issues_a_code_bound_to_the_request_and_redirects_with_state_and_iss(
    client, services, alice, oauth_client
):
    await sign_in(services, client, alice)

    response = await decide(client, await consent_page_for(client, oauth_client))

    assert redirect_target(response) == CALLBACK
    query = redirect_query(response)
    assert query["state"] == STATE
    assert query["iss"] == ISSUER
    (code,) = await codes(services)
    assert code.connection_id == oauth_client.id
    assert code.user_id == alice.id
    assert code.redirect_uri == CALLBACK
    assert code.code_challenge == CHALLENGE
    assert code.resource == RESOURCE
    assert code.scopes == "mcp:read mcp:write"
    assert code.created_at == services.clock()
    assert (code.expires_at - code.created_at).total_seconds() == 600
    assert response.headers["cache-control"] == "no-store"


async def test_allowing_remembers_the_consent_and_audits_it(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    await decide(client, await consent_page_for(client, oauth_client))

    (consent,) = await consents(services)
    assert (consent.user_id, consent.connection_id, consent.scopes) == (alice.id, oauth_client.id, "mcp:read mcp:write")
    (granted,) = await audit_events(services, "consent.granted")
    (issued,) = await audit_events(services, "code.issued")
    assert granted.connection_id == issued.connection_id == oauth_client.id
    assert granted.user_id == issued.user_id == alice.id


async def test_the_code_lifetime_follows_the_server_setting(client, services, alice, oauth_client):
    from bastion.store.repositories import StoredSettings

    async with services.transaction() as session:
        await StoredSettings(session).put("auth_code_ttl_seconds", 60, services.clock())
    await sign_in(services, client, alice)

    await decide(client, await consent_page_for(client, oauth_client))

    (code,) = await codes(services)
    assert (code.expires_at - code.created_at).total_seconds() == 60


async def test_choosing_read_only_grants_only_mcp_read(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    await decide(client, await consent_page_for(client, oauth_client), access="read")

    (code,) = await codes(services)
    assert code.scopes == "mcp:read"
    (consent,) = await consents(services)
    assert consent.scopes == "mcp:read"


async def test_denying_redirects_with_access_denied_and_issues_nothing(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    response = await decide(client, await consent_page_for(client, oauth_client), decision="deny")

    query = redirect_query(response)
    assert query["error"] == "access_denied"
    assert "denied" in query["error_description"]
    assert (query["state"], query["iss"]) == (STATE, ISSUER)
    assert await codes(services) == []
    assert await consents(services) == []
    (denied,) = await audit_events(services, "consent.denied")
    assert (denied.user_id, denied.connection_id) == (alice.id, oauth_client.id)


async def test_a_post_without_the_sessions_csrf_token_is_refused(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    page = await consent_page_for(client, oauth_client)
    fields = [(n, v) for n, v in consent_form(page.text)["hidden"] if n != "csrf_token"]

    response = await client.post(
        "/oauth/authorize", data=form_data([*fields, ("csrf_token", "forged"), ("decision", "allow")])
    )

    assert_error_page(response, 403, "invalid_request", "did not come from Bastion")
    assert await codes(services) == []


async def test_a_post_without_a_decision_asks_for_one(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    page = await consent_page_for(client, oauth_client)

    response = await client.post("/oauth/authorize", data=form_data(consent_form(page.text)["hidden"]))

    assert_error_page(response, 400, "invalid_request", "Choose Allow or Deny")
    assert await codes(services) == []


async def test_a_post_with_an_unknown_access_choice_is_refused(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    response = await decide(client, await consent_page_for(client, oauth_client), access="admin")

    assert_error_page(response, 400, "invalid_request", "access must be 'full' or 'read'")
    assert await codes(services) == []


async def test_a_post_after_the_sign_in_ended_goes_back_through_sign_in(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    page = await consent_page_for(client, oauth_client)
    client.cookies.clear()

    response = await decide(client, page)

    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/console/login"
    assert parse_qs(location.query)["next"][0].startswith("/oauth/authorize?response_type=code&client_id=")
    assert await codes(services) == []


async def test_the_post_revalidates_the_redirect_uri_instead_of_trusting_the_form(
    client, services, alice, oauth_client
):
    await sign_in(services, client, alice)
    page = await consent_page_for(client, oauth_client)
    fields = [
        (n, "https://evil.example.com/cb" if n == "redirect_uri" else v) for n, v in consent_form(page.text)["hidden"]
    ]

    response = await client.post("/oauth/authorize", data=form_data([*fields, ("decision", "allow")]))

    assert_error_page(response, 400, "invalid_request", "is not registered for this app")
    assert await codes(services) == []


async def test_the_post_revalidates_pkce_instead_of_trusting_the_form(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    page = await consent_page_for(client, oauth_client)
    fields = [(n, "plain" if n == "code_challenge_method" else v) for n, v in consent_form(page.text)["hidden"]]

    response = await client.post("/oauth/authorize", data=form_data([*fields, ("decision", "allow")]))

    query = redirect_query(response)
    assert query["error"] == "invalid_request"
    assert "only S256" in query["error_description"]
    assert await codes(services) == []


# --- remembered consent and prompt -------------------------------------------------------------------


async def test_a_remembered_consent_issues_the_code_straight_away(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    await decide(client, await consent_page_for(client, oauth_client))

    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id))

    query = redirect_query(response)
    assert query["code"].startswith("bst_ac_")
    assert (query["state"], query["iss"]) == (STATE, ISSUER)
    assert len(await codes(services)) == 2


async def test_prompt_consent_asks_again_despite_a_remembered_consent(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    await decide(client, await consent_page_for(client, oauth_client))

    page = await consent_page_for(client, oauth_client, prompt="consent")

    assert consent_form(page.text)["buttons"] == ["allow", "deny"]
    assert len(await codes(services)) == 1


async def test_a_read_only_consent_does_not_cover_a_request_for_write(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    await decide(client, await consent_page_for(client, oauth_client), access="read")

    page = await consent_page_for(client, oauth_client)

    assert consent_form(page.text)["radios"] == ["full", "read"]


async def test_a_read_only_consent_covers_a_later_request_for_read(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    await decide(client, await consent_page_for(client, oauth_client), access="read")

    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id, scope="mcp:read"))

    assert redirect_query(response)["code"].startswith("bst_ac_")


async def test_prompt_none_without_a_signed_in_person_answers_login_required(client, services, oauth_client):
    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id, prompt="none"))

    query = redirect_query(response)
    assert query["error"] == "login_required"
    assert "Nobody is signed in" in query["error_description"]
    assert (query["state"], query["iss"]) == (STATE, ISSUER)


async def test_prompt_none_without_a_remembered_consent_answers_consent_required(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id, prompt="none"))

    query = redirect_query(response)
    assert query["error"] == "consent_required"
    assert "has not allowed this app" in query["error_description"]
    assert await codes(services) == []


async def test_prompt_none_with_a_remembered_consent_issues_the_code(client, services, alice, oauth_client):
    await sign_in(services, client, alice)
    await decide(client, await consent_page_for(client, oauth_client))

    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id, prompt="none"))

    assert redirect_query(response)["code"].startswith("bst_ac_")


async def test_prompt_none_cannot_be_combined_with_other_prompts(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    response = await client.get(
        "/oauth/authorize", params=authorize_params(oauth_client.client_id, prompt="none consent")
    )

    query = redirect_query(response)
    assert query["error"] == "invalid_request"
    assert "prompt=none cannot be combined" in query["error_description"]


# --- who owns a self-registered client ---------------------------------------------------------------


async def test_the_first_person_to_allow_a_self_registered_client_becomes_its_owner(
    client, services, alice, oauth_client
):
    async with services.transaction() as session:
        await session.execute(
            update(Connection).where(Connection.id == oauth_client.id).values(is_dynamic=True, user_id=None)
        )
    bob = await make_person(services, "bob")
    await sign_in(services, client, alice)
    await decide(client, await consent_page_for(client, oauth_client))
    await sign_in(services, client, bob)
    await decide(client, await consent_page_for(client, oauth_client))

    async with services.transaction() as session:
        stored = await session.get(Connection, oauth_client.id)
    assert stored.user_id == alice.id
    assert [code.user_id for code in await codes(services)] == [alice.id, bob.id]


async def test_a_custom_client_keeps_its_owner(client, services, alice):
    bob = await make_person(services, "bob")
    custom = (await make_oauth_client(services, owner=bob)).connection
    await sign_in(services, client, alice)

    await decide(client, await consent_page_for(client, custom))

    async with services.transaction() as session:
        assert (await session.get(Connection, custom.id)).user_id == bob.id


# --- errors shown to the person (never redirected) ---------------------------------------------------


async def test_an_unknown_client_gets_an_error_page_not_a_redirect(client, services, alice):
    await sign_in(services, client, alice)

    response = await client.get("/oauth/authorize", params=authorize_params("bst_ci_nobody"))

    assert_error_page(response, 400, "invalid_client", "No app with this client_id is registered here")


async def test_a_request_without_client_id_gets_an_error_page(client, services, alice):
    params = {name: value for name, value in authorize_params("x").items() if name != "client_id"}

    response = await client.get("/oauth/authorize", params=params)

    assert_error_page(response, 400, "invalid_request", "client_id is required")


async def test_a_repeated_client_id_gets_an_error_page(client, services, oauth_client):
    query = [*authorize_params(oauth_client.client_id).items(), ("client_id", oauth_client.client_id)]

    response = await client.get("/oauth/authorize", params=query)

    assert_error_page(response, 400, "invalid_request", "client_id was sent 2 times")


async def test_a_revoked_client_gets_an_error_page(client, services, alice, oauth_client):
    async with services.transaction() as session:
        await session.execute(
            update(Connection).where(Connection.id == oauth_client.id).values(revoked_at=services.clock())
        )
    await sign_in(services, client, alice)

    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id))

    assert_error_page(response, 400, "invalid_client", "was revoked by an administrator")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example.com/callback",  # another host
        "https://app.example.com/callback/extra",  # an extra path
        "https://app.example.com/callback#fragment",  # a fragment
        "http://app.example.com/callback",  # another scheme
        "https://app.example.com:8443/callback",  # another port on a non-loopback host
        "https://app.example.com/callback?next=evil",  # an extra query
    ],
)
async def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    client, services, alice, oauth_client, redirect_uri
):
    await sign_in(services, client, alice)

    response = await client.get(
        "/oauth/authorize", params=authorize_params(oauth_client.client_id, redirect_uri=redirect_uri)
    )

    assert_error_page(response, 400, "invalid_request", "is not registered for this app")


async def test_the_redirect_uri_may_be_left_out_when_exactly_one_is_registered(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    page = await consent_page_for(client, oauth_client, redirect_uri=None)
    response = await decide(client, page)

    assert redirect_target(response) == CALLBACK
    (code,) = await codes(services)
    assert code.redirect_uri == CALLBACK


async def test_the_redirect_uri_is_required_when_several_are_registered(client, services, alice):
    several = (await make_oauth_client(services, redirect_uris=[CALLBACK, "https://app.example.com/other"])).connection
    await sign_in(services, client, alice)

    response = await client.get("/oauth/authorize", params=authorize_params(several.client_id, redirect_uri=None))

    assert_error_page(response, 400, "invalid_request", "redirect_uri is required")


# --- errors redirected to the client -----------------------------------------------------------------


async def assert_redirected_error(client, oauth_client, error, description, **overrides):
    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id, **overrides))
    assert redirect_target(response) == CALLBACK
    query = redirect_query(response)
    assert query["error"] == error
    assert description in query["error_description"]
    assert query["iss"] == ISSUER
    return query


async def test_a_missing_response_type_is_redirected_as_invalid_request(client, oauth_client):
    query = await assert_redirected_error(
        client, oauth_client, "invalid_request", "response_type is required", response_type=None
    )
    assert query["state"] == STATE


async def test_a_response_type_other_than_code_is_unsupported(client, oauth_client):
    query = await assert_redirected_error(
        client, oauth_client, "unsupported_response_type", "use response_type=code", response_type="token"
    )
    assert query["state"] == STATE


async def test_a_plain_code_challenge_is_a_pkce_downgrade_and_refused(client, oauth_client):
    await assert_redirected_error(client, oauth_client, "invalid_request", "only S256", code_challenge_method="plain")


async def test_a_challenge_without_a_method_is_treated_as_plain_and_refused(client, oauth_client):
    await assert_redirected_error(client, oauth_client, "invalid_request", "only S256", code_challenge_method=None)


async def test_a_missing_code_challenge_is_refused(client, oauth_client):
    await assert_redirected_error(
        client, oauth_client, "invalid_request", "code_challenge is required", code_challenge=None
    )


async def test_a_foreign_resource_is_an_invalid_target(client, oauth_client):
    await assert_redirected_error(
        client, oauth_client, "invalid_target", "is not served here", resource="https://other.example.com/mcp"
    )


async def test_a_repeated_state_is_refused_without_echoing_either(client, oauth_client):
    query = [*authorize_params(oauth_client.client_id).items(), ("state", "second")]

    response = await client.get("/oauth/authorize", params=query)

    values = redirect_query(response)
    assert values["error"] == "invalid_request"
    assert "state was sent 2 times" in values["error_description"]
    assert "state" not in values


async def test_errors_are_redirected_even_before_sign_in(client, services, oauth_client):
    await assert_redirected_error(client, oauth_client, "invalid_request", "only S256", code_challenge_method="plain")

    assert await count_rows(services, AuthorizationCode) == 0


# --- lenient scopes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["+offline_access", "claudeai", "", None, "mcp:write offline_access"])
async def test_scopes_real_clients_send_are_tolerated_and_grant_what_the_connection_allows(
    client, services, alice, oauth_client, scope
):
    await sign_in(services, client, alice)

    page = await consent_page_for(client, oauth_client, scope=scope)
    await decide(client, page)

    assert "Read and change your data" in page.text
    (code,) = await codes(services)
    assert code.scopes == "mcp:read mcp:write"


async def test_asking_for_read_only_offers_only_read(client, services, alice, oauth_client):
    await sign_in(services, client, alice)

    page = await consent_page_for(client, oauth_client, scope="mcp:read")
    await decide(client, page, access="full")

    form = consent_form(page.text)
    assert form["radios"] == ["full", "read"]
    assert form["disabled"] == ["full"]
    assert form["checked"] == ["read"]
    (code,) = await codes(services)
    assert code.scopes == "mcp:read"


def test_asking_only_for_scopes_the_client_may_not_have_is_an_invalid_scope():
    connection = Connection(
        client_id="bst_ci_x", redirect_uris=[CALLBACK], grant_types=["authorization_code"], scopes=""
    )
    params = {name: [value] for name, value in authorize_params("bst_ci_x", scope="mcp:write").items()}

    with pytest.raises(AuthorizationRefused) as refused:
        check_authorization_request(params, connection, RESOURCE)

    assert isinstance(refused.value.error, InvalidScope)
    assert "asks for nothing this client may have" in refused.value.error.description
    assert refused.value.redirect_uri == CALLBACK


def test_a_client_without_the_authorization_code_grant_is_unauthorized():
    connection = Connection(
        client_id="bst_ci_x", redirect_uris=[CALLBACK], grant_types=["client_credentials"], scopes="mcp:read"
    )
    params = {name: [value] for name, value in authorize_params("bst_ci_x").items()}

    with pytest.raises(AuthorizationRefused) as refused:
        check_authorization_request(params, connection, RESOURCE)

    assert refused.value.error.error == "unauthorized_client"
    assert "not allowed the authorization code flow" in refused.value.error.description


def test_parameters_are_added_to_a_redirect_uri_keeping_its_own_query():
    assert (
        with_query("https://chatgpt.com/connector/oauth/abc?x=1", [("code", "c"), ("state", None), ("iss", ISSUER)])
        == "https://chatgpt.com/connector/oauth/abc?x=1&code=c&iss=http%3A%2F%2Ftestserver"
    )


async def test_an_unexpected_failure_shows_a_page_and_leaves_nothing_half_written(
    client, services, alice, oauth_client, monkeypatch
):
    async def failing_issue_code(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("bastion.oauth.authorize.issue_code", failing_issue_code)
    await sign_in(services, client, alice)

    response = await decide(client, await consent_page_for(client, oauth_client))

    assert_error_page(response, 500, "server_error", "Bastion hit an unexpected error")
    assert await consents(services) == []
    assert await audit_events(services, "consent.granted") == []
