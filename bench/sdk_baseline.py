"""The baseline: an MCP server built from the official SDK alone, to measure Bastion against.

What it is: the SDK's ``MCPServer`` with a ``whoami`` tool on the streamable HTTP transport (stateful,
so 2025-11-25 clients get sessions and 2026-07-28 requests are served statelessly, as Bastion does),
the SDK's own OAuth handlers (``mcp.server.auth``: metadata, authorize, token, register, revoke, its
client authentication and bearer middleware, via ``MCPServer(auth_server_provider=...)``) over
``MemoryProvider``: plain dicts, nothing hashed, nothing durable, consent granted at once to the
user ``alice``. One uvicorn worker, access log on at ``info``, like ``bastion serve``.

Run it on its own with ``python -m bench.sdk_baseline --port 8100``; ``bench.compare`` starts it
with ``running_baseline``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx2
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from tests.e2e.server import free_port

ROOT = Path(__file__).resolve().parents[1]
SCOPES = ["mcp:read", "mcp:write"]
SUBJECT = "alice"
ACCESS_TOKEN_SECONDS = 3600
CODE_SECONDS = 300
STARTUP_TIMEOUT_SECONDS = 30.0
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: the redirect is read, not followed


class MemoryProvider:
    """``OAuthAuthorizationServerProvider`` on dicts: what the SDK's handlers need, and nothing more."""

    def __init__(self) -> None:
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        assert client_info.client_id is not None
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        # No sign-in page and no consent screen: the user is alice and she always agrees.
        code = secrets.token_urlsafe(32)
        assert client.client_id is not None
        self.codes[code] = AuthorizationCode(
            code=code,
            scopes=params.scopes or SCOPES,
            expires_at=time.time() + CODE_SECONDS,
            client_id=client.client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
            subject=SUBJECT,
        )
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        return self.codes.get(authorization_code)

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        if self.codes.pop(authorization_code.code, None) is None:
            raise TokenError("invalid_grant", "The authorization code was already used.")
        return self._issue(client, authorization_code.scopes, authorization_code.resource)

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        return self.refresh_tokens.get(refresh_token)

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        # Rotation: the presented refresh token is spent; a second use of it finds nothing.
        if self.refresh_tokens.pop(refresh_token.token, None) is None:
            raise TokenError("invalid_grant", "The refresh token was already used.")
        return self._issue(client, scopes, refresh_token.resource)

    async def load_access_token(self, token: str) -> AccessToken | None:
        access = self.access_tokens.get(token)
        if access is None or (access.expires_at is not None and access.expires_at < time.time()):
            return None
        return access

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        self.access_tokens.pop(token.token, None)
        self.refresh_tokens.pop(token.token, None)

    def _issue(self, client: OAuthClientInformationFull, scopes: list[str], resource: str | None) -> OAuthToken:
        assert client.client_id is not None
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires_at = int(time.time()) + ACCESS_TOKEN_SECONDS
        self.access_tokens[access] = AccessToken(
            token=access,
            client_id=client.client_id,
            scopes=scopes,
            expires_at=expires_at,
            resource=resource,
            subject=SUBJECT,
        )
        self.refresh_tokens[refresh] = RefreshToken(
            token=refresh, client_id=client.client_id, scopes=scopes, resource=resource, subject=SUBJECT
        )
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=ACCESS_TOKEN_SECONDS,
            scope=" ".join(scopes),
            refresh_token=refresh,
        )


def build_server(base_url: str) -> MCPServer:
    """The SDK server with its OAuth routes at ``/authorize``, ``/token``, ``/register``, ``/revoke``."""
    server: MCPServer = MCPServer(
        "sdk-baseline",
        auth_server_provider=MemoryProvider(),
        auth=AuthSettings(
            issuer_url=base_url,  # type: ignore[arg-type]
            resource_server_url=f"{base_url}/mcp",  # type: ignore[arg-type]
            validate_token_resource=True,
            required_scopes=["mcp:read"],
            client_registration_options=ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES),
            revocation_options=RevocationOptions(enabled=True),
        ),
    )

    @server.tool(name="whoami", description="Who the caller is: user, client, scopes, credential, protocol.")
    async def whoami(ctx: Context) -> dict[str, Any]:
        request = ctx.request_context.request
        user = request.scope.get("user") if request is not None else None
        token: AccessToken = user.access_token  # type: ignore[union-attr]
        return {
            "user": {"login": token.subject},
            "client": {"client_id": token.client_id},
            "scopes": token.scopes,
            "credential": {"kind": "oauth", "expires_at": token.expires_at},
            "protocol": {"version": ctx.protocol_version},
            "resource": token.resource,
        }

    return server


def serve(host: str, port: int) -> None:
    import uvicorn

    base_url = f"http://{host}:{port}"
    app = build_server(base_url).streamable_http_app(host=host)
    uvicorn.run(app, host=host, port=port, workers=1, log_level="info")


@dataclass
class BaselineProcess:
    """One running baseline server, addressed like ``BastionProcess``."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_baseline(folder: Path) -> Iterator[BaselineProcess]:
    """Start ``python -m bench.sdk_baseline`` on a free loopback port; stop it (SIGTERM, then SIGKILL) after."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = folder / f"baseline-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.sdk_baseline", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    baseline = BaselineProcess(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_serving(baseline)
        yield baseline
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_serving(baseline: BaselineProcess) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    with httpx2.Client(trust_env=False, timeout=2.0) as http:
        while time.monotonic() < deadline:
            try:
                if http.get(f"{baseline.base_url}/.well-known/oauth-authorization-server").status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            try:
                baseline.process.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                continue
    raise RuntimeError(f"the SDK baseline did not start. Its output:\n{baseline.log()}")


@dataclass
class BaselineGrants:
    """One confidential client registered at ``/register`` and, per worker, its authorization-code grant."""

    client_id: str
    client_secret: str
    access_tokens: list[str]
    refresh_tokens: list[str]


async def grant_baseline_clients(baseline: BaselineProcess, grants: int) -> BaselineGrants:
    """Register a ``client_secret_basic`` client, then ``grants`` authorization-code flows with PKCE."""
    resource = baseline.mcp_url
    async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
        registered = await http.post(
            f"{baseline.base_url}/register",
            json={
                "client_name": "Benchmark client",
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["authorization_code", "refresh_token"],
                "scope": " ".join(SCOPES),
            },
        )
        registered.raise_for_status()
        client = registered.json()
        granted = BaselineGrants(client["client_id"], client["client_secret"], [], [])
        for _ in range(grants):
            verifier = secrets.token_urlsafe(48)
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            query = {
                "response_type": "code",
                "client_id": granted.client_id,
                "redirect_uri": REDIRECT_URI,
                "state": secrets.token_urlsafe(16),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "scope": " ".join(SCOPES),
                "resource": resource,
            }
            redirect = await http.get(f"{baseline.base_url}/authorize?{urlencode(query)}")
            if redirect.status_code != 302:
                raise RuntimeError(f"/authorize answered {redirect.status_code}: {redirect.text[:200]}")
            code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]
            response = await http.post(
                baseline.token_url,
                data={
                    "grant_type": "authorization_code",
                    "client_id": granted.client_id,
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                    "resource": resource,
                },
                auth=httpx2.BasicAuth(granted.client_id, granted.client_secret),
            )
            response.raise_for_status()
            tokens = response.json()
            granted.access_tokens.append(tokens["access_token"])
            granted.refresh_tokens.append(tokens["refresh_token"])
    return granted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8100, help="port to listen on (default 8100)")
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
