"""What an attacker sends: hostile text, forms, JSON, JSON-RPC, ids, headers and content types."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from bastion.server_settings import SETTING_SPECS
from bastion.tools.catalog import catalog_registry

HUGE = "A" * 70_000  # over every form limit (64 KiB)
LARGE = "B" * 9_000
HOSTILE_WORDS = [
    "\x00",
    "a\x00b",
    "%00",
    "\r\n",
    "\n",
    "\t",
    "\x1b[31m",
    "\x7f",
    "\u202e",
    "\ufeff",
    "\uffff",
    "😀",
    "é",
    "' OR 1=1 --",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "\\",
    "%",
    "_",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://x/a}",
    "../../etc/passwd",
    "..%2F..%2Fsecret.key",
    "0",
    "-1",
    "1",
    "2147483648",
    "99999999999",
    "1e309",
    "NaN",
    "-0",
    "[]",
    "{}",
    "null",
    "true",
    "",
    " ",
    "bst_at_AAAA",
    "bst_ak_AAAA",
    "bst_rt_AAAA",
    "bst_cs_AAAA",
    "http://evil.example/",
    "https://a.example/cb\x00",
    "javascript:alert(1)",
    "http://127.0.0.1:1/",
    "mcp:read mcp:write",
    "mcp:admin",
    "openid",
    LARGE,
    HUGE,
]
# Every character but lone surrogates (which no client can encode).
TEXT = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.text(st.characters(max_codepoint=0x1F), max_size=4),
)

OAUTH_PARAMETERS = [
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "code_challenge",
    "code_challenge_method",
    "refresh_token",
    "scope",
    "resource",
    "token",
    "token_type_hint",
    "response_type",
    "state",
    "prompt",
    "nonce",
    "response_mode",
    "client_assertion",
    "client_assertion_type",
]
FORM_FIELDS = [
    "access",
    "acts_as",
    "api_key",
    "client_type",
    "confirmed",
    "connection",
    "csrf_token",
    "current",
    "current_password",
    "database",
    "decision",
    "dynamic",
    "event",
    "group",
    "login",
    "mcp_enabled",
    "mode",
    "name",
    "new_password",
    "new_password_confirmation",
    "next",
    "notes",
    "odoo_login",
    "password",
    "password_confirmation",
    "pending",
    "protocol",
    "q",
    "redirect_uris",
    "referrer",
    "role",
    "scope",
    "service_login",
    "status",
    "token",
    "type",
    "url",
    "user",
    "viewport",
    "writable",
    "page",
    "before",
    "after",
    *SETTING_SPECS,
]
NAMES = st.one_of(st.sampled_from(OAUTH_PARAMETERS + FORM_FIELDS), TEXT)
# A URL carries no more than a real client sends (HTTP clients and servers cap the request line).
SHORT_TEXT = TEXT.filter(lambda text: len(text) < 2000)
QUERY_PAIRS = st.lists(
    st.tuples(st.one_of(st.sampled_from(OAUTH_PARAMETERS + FORM_FIELDS), SHORT_TEXT), SHORT_TEXT), max_size=6
)
GRANT_TYPES = ["client_credentials", "authorization_code", "refresh_token", "password", "implicit", ""]
FIELD_VALUES = st.one_of(TEXT, st.sampled_from([*GRANT_TYPES, "allow", "deny", "on", "true", "read", "write"]))

PAIRS = st.lists(st.tuples(NAMES, FIELD_VALUES), max_size=8)
# A parameter sent twice is a classic: sometimes repeat one that is there.
FORM_PAIRS = PAIRS.flatmap(
    lambda pairs: st.just(pairs) if not pairs else st.sampled_from([pairs, [*pairs, pairs[0]], [*pairs, *pairs]])
)

FORM_TYPE = "application/x-www-form-urlencoded"
CONTENT_TYPES = [
    FORM_TYPE,
    "application/json",
    "multipart/form-data; boundary=zz",
    "multipart/form-data",
    "text/plain",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/json; charset=latin-1",
    "application/xml",
    "*/*",
    "",
    "application/json, text/event-stream",
    "text/html; boundary=\x00",
]
CONTENT_TYPE = st.one_of(
    st.sampled_from(CONTENT_TYPES), st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
)

JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=2**80), st.floats(), TEXT
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(NAMES, inner, max_size=4)),
    max_leaves=12,
)
REGISTRATION_FIELDS = [
    "redirect_uris",
    "client_name",
    "grant_types",
    "response_types",
    "token_endpoint_auth_method",
    "scope",
    "contacts",
    "logo_uri",
    "client_uri",
    "policy_uri",
    "tos_uri",
    "jwks_uri",
    "jwks",
    "software_id",
    "software_version",
    "software_statement",
    "application_type",
    "post_logout_redirect_uris",
]
URLISH = st.one_of(
    TEXT,
    st.builds(lambda host, path: f"https://{host}/{path}", TEXT, TEXT),
    st.sampled_from(["http://localhost:1/cb", "http://127.0.0.1/cb", "https://a.example/cb", "cursor://cb"]),
)
REGISTRATION = st.fixed_dictionaries(
    {},
    optional={
        "redirect_uris": st.one_of(st.lists(URLISH, max_size=4), JSON_VALUE),
        **{field: st.one_of(TEXT, JSON_VALUE, st.lists(TEXT, max_size=3)) for field in REGISTRATION_FIELDS[1:]},
    },
)

MCP_METHODS = [
    "initialize",
    "notifications/initialized",
    "tools/list",
    "tools/call",
    "ping",
    "resources/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "notifications/cancelled",
    "server/discover",
    "",
]
TOOL_NAMES = [*catalog_registry().names(), "no_such_tool"]
MODELS = ["res.partner", "product.product", "sale.order", "account.move", "crm.lead", "hr.employee", "ir.rule"]
# The stateless protocol's envelope, which lets a tools/call through without an initialize first.
STATELESS_VERSION = "2026-07-28"
STATELESS_ENVELOPE = {
    "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
    "io.modelcontextprotocol/clientCapabilities": {},
}
JSONRPC_ID = st.one_of(
    st.integers(), st.integers(min_value=2**63), TEXT, st.none(), st.floats(), st.booleans(), JSON_VALUE
)
TOOL_CALL_PARAMS = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(TOOL_NAMES), TEXT)},
    optional={
        "arguments": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "model": st.one_of(st.sampled_from(MODELS), TEXT),
                    "domain": JSON_VALUE,
                    "fields": st.one_of(st.lists(TEXT, max_size=3), JSON_VALUE),
                    "limit": st.one_of(st.integers(), JSON_VALUE),
                    "ids": st.one_of(st.lists(st.integers(), max_size=3), JSON_VALUE),
                    "values": JSON_VALUE,
                    "dry_run": st.one_of(st.booleans(), JSON_VALUE),
                },
            ),
            st.dictionaries(NAMES, JSON_VALUE, max_size=5),
            JSON_VALUE,
        ),
        "_meta": JSON_VALUE,
    },
)
INITIALIZE_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "protocolVersion": st.one_of(st.sampled_from(["2025-11-25", "2025-06-18", "2026-07-28"]), TEXT),
        "capabilities": JSON_VALUE,
        "clientInfo": st.one_of(JSON_VALUE, st.fixed_dictionaries({"name": TEXT, "version": TEXT})),
    },
)
JSONRPC_MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.one_of(st.just("2.0"), TEXT, JSON_VALUE),
        "id": JSONRPC_ID,
        "method": st.one_of(st.sampled_from(MCP_METHODS), TEXT, JSON_VALUE),
        "params": st.one_of(TOOL_CALL_PARAMS, INITIALIZE_PARAMS, JSON_VALUE),
        "result": JSON_VALUE,
        "error": JSON_VALUE,
    },
)
JSONRPC_BODY = st.one_of(JSONRPC_MESSAGE, st.lists(JSONRPC_MESSAGE, max_size=5), JSON_VALUE)


def json_text(value: Any) -> str:
    """``json.dumps``, NaN and Infinity included (which strict parsers refuse: good)."""
    return json.dumps(value, ensure_ascii=False)


def deeply_nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode()


def multipart_body(pairs: list[tuple[str, str]], boundary: str = "zz") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{quote(name)}"\r\n\r\n{value}\r\n'
        for name, value in pairs
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40)
AUTHORIZATION = st.one_of(
    st.builds(basic, TEXT, TEXT),
    st.builds(lambda token: f"Bearer {token}", HEADER_TEXT),
    st.sampled_from(["Bearer", "Basic", "Basic !!!", "Basic " + base64.b64encode(b"a\x00b:c").decode(), "Digest x"]),
    HEADER_TEXT,
)
HEADER_NAMES = [
    "Accept",
    "MCP-Protocol-Version",
    "Mcp-Session-Id",
    "Origin",
    "X-Forwarded-For",
    "Last-Event-ID",
    "Referer",
    "Accept-Encoding",
    "Accept-Language",
    "Content-Encoding",
    "X-Requested-With",
    "If-None-Match",
    "Range",
    "Sec-Fetch-Site",
    "Forwarded",
    "User-Agent",
]
HEADER_VALUES = st.one_of(
    HEADER_TEXT,
    st.sampled_from(
        [
            "application/json, text/event-stream",
            "text/event-stream",
            "*/*",
            "2025-11-25",
            "2026-07-28",
            "1999-01-01",
            "null",
            "http://evil.example",
            "http://testserver",
            "gzip",
            "bytes=0-",
            "x" * 5000,
        ]
    ),
)
HEADERS = st.dictionaries(
    st.one_of(st.sampled_from(HEADER_NAMES), st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)),
    HEADER_VALUES,
    max_size=5,
)
