"""The composition root: every route in one list, every middleware in one expression."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion.clock import Clock, utcnow
from bastion.config import Settings
from bastion.console.routes import console_routes
from bastion.http_util import BodyTooLarge, read_body
from bastion.mcp.endpoint import McpEndpoint
from bastion.metrics import metrics_endpoint
from bastion.oauth.authorize import BrowserSignIn
from bastion.oauth.routes import oauth_routes
from bastion.public_prefix import PublicPathPrefix
from bastion.services import CONSOLE_DIR, Services, build_services
from bastion.slow_clients import BodyDeadline
from bastion.store.db import upgrade_database
from bastion.tools.catalog import data_env_resolver, default_registry, preview_secret
from bastion.tools.registry import ToolRegistry, ToolSpec
from bastion.web_session import LOGIN_PATH, csrf_ok, current_visitor

# RFC 6749 §10.13 / RFC 9700 §4.16: pages that take a person's decision must never be framed.
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
]


class SecurityHeaders:
    """Adds anti-framing, CSP and no-sniff headers to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Console forms and the consent form are small; /mcp has the SDK's own (larger) limit.
MAX_FORM_BODY_BYTES = 64 * 1024
# These read their bodies with their own 64 KiB limit and answer in the OAuth error format.
SELF_LIMITING_PATHS = frozenset(
    {"/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/register", "/token", "/register"}
)


class LimitBodySize:
    """Refuses oversized request bodies with 413 before a console or consent handler reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/mcp") or path in SELF_LIMITING_PATHS:
            await self.app(scope, receive, send)
            return
        try:
            _, receive = await read_body(scope, receive, MAX_FORM_BODY_BYTES)
        except BodyTooLarge:
            too_large = f"The request body is larger than {MAX_FORM_BODY_BYTES // 1024} KiB; nothing was changed."
            await PlainTextResponse(too_large, status_code=413)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    clock: Clock = utcnow,
    services: Services | None = None,
    extra_tools: Iterable[ToolSpec] = (),
) -> Starlette:
    """The whole application. ``extra_tools`` join the product's tools in the one registry (test builds only:
    the conformance suite's diagnostic tools); ``bastion serve`` never passes any."""
    services = services or build_services(settings, clock)
    resolve_env = data_env_resolver(services.sources, preview_secret(settings))
    registry = ToolRegistry([*default_registry(resolve_env), *extra_tools])
    mcp = McpEndpoint(services, registry)
    # The console's sign-in, lent to the authorization endpoint: the OAuth core knows no cookie or account.
    sign_in = BrowserSignIn(current_visitor=current_visitor, csrf_ok=csrf_ok, login_path=LOGIN_PATH)

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def favicon(_request: Request) -> RedirectResponse:
        # Browsers ask for /favicon.ico whatever the page says.
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await upgrade_database(services.engine)
        services.batch_writer.start()
        try:
            # The SDK's session manager must run in the parent app's lifespan, or /mcp fails.
            async with mcp.session_manager.run(), mcp.streams.watching():
                yield
        finally:
            # After the last request: what requests queued for the batch writer is written before the store closes.
            await services.aclose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/metrics", metrics_endpoint(services), methods=["GET"]),
        *mcp.routes(),
        *oauth_routes(services, sign_in),
        *console_routes(services, registry),
        Mount("/static", app=StaticFiles(directory=str(CONSOLE_DIR / "static")), name="static"),
    ]

    async def not_found(_request: Request, _exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("Not found. The MCP endpoint is /mcp; the console is /console.", status_code=404)

    # Behind a proxy that strips the public URL's path, the console's links and redirects get it back.
    prefix = [Middleware(PublicPathPrefix, prefix=settings.public_path)] if settings.public_path else []
    app = Starlette(
        routes=routes,
        middleware=[
            *prefix,
            Middleware(SecurityHeaders),
            Middleware(BodyDeadline, seconds=settings.request_read_timeout),
            Middleware(LimitBodySize),
        ],
        lifespan=lifespan,
        exception_handlers={404: not_found},
    )
    app.state.services = services
    return app
