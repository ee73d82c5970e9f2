"""Bastion under a path prefix: a public URL such as ``https://example.com/bastion`` behind a reverse proxy
that strips the prefix (nginx ``location /bastion/ { proxy_pass http://127.0.0.1:8000/; }``, Caddy
``handle_path /bastion/*``).

Requests arrive at Bastion's own paths (``/console``, ``/oauth/authorize``, ``/mcp``); every absolute URL
Bastion writes already starts with the public URL. What remains are the root-relative addresses of the
console and the sign-in pages: links, form actions and redirects (``/console/login?next=...``) and cookie
paths. This middleware gives them the prefix back on the way out, in one place, as nginx's
``proxy_redirect``, ``proxy_cookie_path`` and ``sub_filter`` would; without a prefix it is not installed.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Root-relative URL attributes of the console's HTML (htmx's request attributes included); not "//host".
_URL_ATTRIBUTE = re.compile(rb'(\s(?:href|src|action|formaction|hx-get|hx-post|hx-put|hx-patch|hx-delete)=")/(?!/)')
_COOKIE_PATH = re.compile(rb"(;\s*path=)/", re.IGNORECASE)


def prefixed_location(location: bytes, prefix: bytes) -> bytes:
    """A root-relative redirect target gets the prefix; absolute URLs (built from the public URL) do not."""
    return prefix + location if location.startswith(b"/") and not location.startswith(b"//") else location


def prefixed_html(body: bytes, prefix: bytes) -> bytes:
    return _URL_ATTRIBUTE.sub(lambda match: match.group(1) + prefix + b"/", body)


def prefixed_cookie(cookie: bytes, prefix: bytes) -> bytes:
    return _COOKIE_PATH.sub(lambda match: match.group(1) + prefix + b"/", cookie)


class PublicPathPrefix:
    """Adds ``prefix`` to the root-relative links, redirects and cookie paths of every response."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: dict[str, Message] = {}
        chunks: list[bytes] = []

        async def send_prefixed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, self.header_value(name, value)) for name, value in message.get("headers", [])]
                message = {**message, "headers": headers}
                content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    held["start"] = message  # the page is rewritten whole; console pages are small
                    return
                await send(message)
            elif message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = prefixed_html(b"".join(chunks), self.prefix)
                start = held.pop("start")
                others = [(name, value) for name, value in start["headers"] if name.lower() != b"content-length"]
                await send({**start, "headers": [*others, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, send_prefixed)

    def header_value(self, name: bytes, value: bytes) -> bytes:
        lowered = name.lower()
        if lowered == b"location":
            return prefixed_location(value, self.prefix)
        if lowered == b"set-cookie":
            return prefixed_cookie(value, self.prefix)
        return value
