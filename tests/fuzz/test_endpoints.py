"""Fuzz each surface where it reads the most: the OAuth back channel's forms (with real client credentials
or hostile ones), registration's JSON, the authorization endpoint's query and consent form, /mcp's
JSON-RPC (single, batches, garbage; with a valid API key or not), and the console's POST forms signed in
with the session's CSRF token. See harness.py for the properties checked on every answer."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import event, given
from hypothesis import strategies as st

from tests.fuzz import strategies as fz
from tests.fuzz.harness import World
from tests.fuzz.profiles import fuzz_settings

BACK_CHANNEL = ["/oauth/token", "/token", "/oauth/revoke", "/oauth/introspect"]
CONSOLE_FORMS = [
    "/console/login",
    "/console/logout",
    "/console/setup",
    "/console/password",
    "/console/settings",
    "/console/settings/mcp-access",
    "/console/users/new",
    "/console/users/{user}/role",
    "/console/users/{user}/deactivate",
    "/console/users/{user}/reactivate",
    "/console/users/{user}/setup-link",
    "/console/connections/{connection}",
    "/console/connections/{connection}/rotate",
    "/console/connections/{connection}/revoke",
    "/console/connections/{connection}/reactivate",
    "/console/connect/api-key",
    "/console/connect/custom-oauth",
    "/console/connect/custom-oauth/check-redirect-uris",
    "/console/connect/custom-oauth/save",
    "/console/tools/{tool}/disable",
    "/console/tools/{tool}/enable",
    "/console/source/test",
    "/console/source/{kind}",
    "/console/account/odoo",
    "/console/account/odoo/unlink",
    "/console/login/odoo",
]


def form_request(data: st.DataObject, pairs: list[tuple[str, str]]) -> tuple[bytes, str]:
    kind = data.draw(st.sampled_from(["form", "form", "multipart", "raw"]))
    if kind == "form":
        body, content_type = fz.form_body(pairs), fz.FORM_TYPE
    elif kind == "multipart":
        body, content_type = fz.multipart_body(pairs), "multipart/form-data; boundary=zz"
    else:
        body, content_type = data.draw(st.binary(max_size=300)), fz.FORM_TYPE
    return body, data.draw(st.one_of(st.just(content_type), fz.CONTENT_TYPE))


@fuzz_settings(150)
@given(data=st.data())
async def test_the_oauth_back_channel(world: World, data):
    pairs = data.draw(fz.FORM_PAIRS)
    if data.draw(st.booleans()):
        pairs = [("client_id", world.client_id), ("client_secret", world.client_secret), *pairs]
    body, content_type = form_request(data, pairs)
    headers = {**data.draw(fz.HEADERS), "Content-Type": content_type}
    authorization = st.one_of(st.just(fz.basic(world.client_id, world.client_secret)), fz.AUTHORIZATION)
    if data.draw(st.booleans()):
        headers["Authorization"] = data.draw(authorization)
    path = data.draw(st.sampled_from(BACK_CHANNEL))
    response = await world.probe("POST", path, headers=headers, content=body)
    event(f"{path} -> {response.status_code}")


@fuzz_settings(100)
@given(data=st.data())
async def test_dynamic_registration(world: World, data):
    kind = data.draw(st.sampled_from(["metadata", "metadata", "json", "deep", "raw"]))
    if kind == "metadata":
        body = fz.json_text(data.draw(fz.REGISTRATION)).encode()
    elif kind == "json":
        body = fz.json_text(data.draw(fz.JSON_VALUE)).encode()
    elif kind == "deep":
        body = fz.deeply_nested(data.draw(st.integers(1, 40_000))).encode()
    else:
        body = data.draw(st.binary(max_size=300))
    headers = {
        **data.draw(fz.HEADERS),
        "Content-Type": data.draw(st.one_of(st.just("application/json"), fz.CONTENT_TYPE)),
    }
    path = data.draw(st.sampled_from(["/oauth/register", "/register"]))
    response = await world.probe("POST", path, headers=headers, content=body)
    event(f"{kind} -> {response.status_code}")


@fuzz_settings(120)
@given(data=st.data())
async def test_the_authorization_endpoint(world: World, data):
    pairs = data.draw(fz.QUERY_PAIRS)
    if data.draw(st.booleans()):
        valid = [
            ("response_type", "code"),
            ("client_id", world.client_id),
            ("redirect_uri", "https://app.example.com/callback"),
            ("code_challenge_method", "S256"),
            ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            ("state", "s"),
        ]
        pairs = [pair for pair in valid if data.draw(st.booleans())] + pairs
    signed_in = data.draw(st.booleans())
    path = data.draw(st.sampled_from(["/oauth/authorize", "/authorize"]))
    url = f"{path}?{urlencode(pairs)}" if pairs else path
    if data.draw(st.booleans()):
        response = await world.probe("GET", url, headers=data.draw(fz.HEADERS), signed_in=signed_in)
    else:
        form = data.draw(fz.FORM_PAIRS)
        if signed_in and data.draw(st.booleans()):
            form = [("csrf_token", world.csrf_token), *form]
        body, content_type = form_request(data, form)
        headers = {**data.draw(fz.HEADERS), "Content-Type": content_type}
        response = await world.probe("POST", url, headers=headers, content=body, signed_in=signed_in)
    event(f"{response.status_code}")


@fuzz_settings(200)
@given(data=st.data())
async def test_the_mcp_endpoint(world: World, data):
    kind = data.draw(st.sampled_from(["jsonrpc", "jsonrpc", "deep", "raw"]))
    if kind == "jsonrpc":
        body = fz.json_text(data.draw(fz.JSONRPC_BODY)).encode()
    elif kind == "deep":
        body = fz.deeply_nested(data.draw(st.integers(1, 40_000))).encode()
    else:
        body = data.draw(st.binary(max_size=300))
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": data.draw(st.sampled_from(["2025-11-25", "2026-07-28", "2025-06-18"])),
        **data.draw(fz.HEADERS),
    }
    authorization = st.one_of(st.just(f"Bearer {world.api_key}"), fz.AUTHORIZATION)
    if data.draw(st.integers(0, 3)):
        headers["Authorization"] = data.draw(authorization)
    method = data.draw(st.sampled_from(["POST", "POST", "POST", "GET", "DELETE"]))
    path = data.draw(st.sampled_from(["/mcp", "/mcp/"]))
    response = await world.probe(method, path, headers=headers, content=body if method == "POST" else None)
    event(f"{method} {response.status_code}")


@fuzz_settings(250)
@given(data=st.data())
async def test_every_tool_with_hostile_arguments(world: World, data):
    """Calls that pass the gate and the SDK (a valid API key, the stateless protocol's envelope), so each
    tool's own argument rules and the data source meet the hostile values."""
    params = data.draw(fz.TOOL_CALL_PARAMS)
    name = params["name"] = data.draw(st.one_of(st.sampled_from(fz.TOOL_NAMES), st.just(params["name"])))
    params["_meta"] = fz.STATELESS_ENVELOPE
    message = {"jsonrpc": "2.0", "id": data.draw(st.integers(1, 10**6)), "method": "tools/call", "params": params}
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": fz.STATELESS_VERSION,
        "Mcp-Method": "tools/call",
        "Mcp-Name": name.encode("latin-1", "replace").decode("latin-1").replace("\r", "").replace("\n", ""),
        "Authorization": f"Bearer {world.api_key}",
    }
    response = await world.probe("POST", "/mcp", headers=headers, content=fz.json_text(message).encode())
    outcome = "error" if '"isError":true' in response.text else "result"
    event(f"{name if name in fz.TOOL_NAMES else 'other'} -> {response.status_code} {outcome}")


@fuzz_settings(200)
@given(data=st.data())
async def test_console_forms_signed_in_with_the_csrf_token_or_not(world: World, data):
    template = data.draw(st.sampled_from(CONSOLE_FORMS))
    ids = st.one_of(st.sampled_from(world.ids), st.sampled_from(["0", "99999999999", "-1", "x", "%00"]))
    path = (
        template.replace("{user}", data.draw(ids))
        .replace("{connection}", data.draw(ids))
        .replace("{tool}", data.draw(st.one_of(st.sampled_from(fz.TOOL_NAMES), st.just("%00"))))
        .replace("{kind}", data.draw(st.sampled_from(["demo", "sql", "odoo", "x", "%00"])))
    )
    signed_in = data.draw(st.booleans())
    pairs = data.draw(fz.FORM_PAIRS)
    csrf = data.draw(st.sampled_from(["valid", "valid", "wrong", "none"]))
    if csrf == "valid":
        pairs = [("csrf_token", world.csrf_token), *pairs]
    elif csrf == "wrong":
        pairs = [("csrf_token", data.draw(fz.SHORT_TEXT)), *pairs]
    body, content_type = form_request(data, pairs)
    headers = {**data.draw(fz.HEADERS), "Content-Type": content_type}
    response = await world.probe("POST", path, headers=headers, content=body, signed_in=signed_in)
    event(f"{template} {'signed in' if signed_in else 'anonymous'} csrf={csrf} -> {response.status_code}")
