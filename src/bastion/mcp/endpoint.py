"""The /mcp endpoint: the SDK session manager behind Bastion's gate, and the RFC 9728 metadata routes."""

from __future__ import annotations

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.routing import BaseRoute, Route

from bastion.mcp.gate import McpGate
from bastion.mcp.origins import transport_security_settings
from bastion.mcp.resource_metadata import protected_resource_metadata_endpoint
from bastion.mcp.server import build_server
from bastion.mcp.streams import OpenStreams
from bastion.services import Services
from bastion.tools.registry import ToolRegistry


class McpEndpoint:
    def __init__(self, services: Services, registry: ToolRegistry) -> None:
        self.services = services
        self.registry = registry
        self.server = build_server(services, self.registry)
        self.security = transport_security_settings(services.settings)
        # Built once; the app lifespan enters session_manager.run(). Stateful, so 2025-11-25 clients get
        # sessions; requests naming 2026-07-28 in MCP-Protocol-Version are served statelessly by the same manager.
        self.session_manager = StreamableHTTPSessionManager(self.server, security_settings=self.security)
        # Ends open streams and sessions whose credential is revoked (app lifespan enters streams.watching()).
        self.streams = OpenStreams(services, self.session_manager)
        self.gate = McpGate(services, self.registry, self.session_manager, self.security, self.streams)

    def routes(self) -> list[BaseRoute]:
        metadata = protected_resource_metadata_endpoint(self.services.settings)
        prefix = self.services.settings.public_path
        # RFC 9728 §3.1 for a resource with a path prefix (https://example.com/bastion/mcp): the host's
        # /.well-known/oauth-protected-resource/bastion/mcp, passed on by the proxy unchanged.
        prefixed = [Route(f"/.well-known/oauth-protected-resource{prefix}/mcp", metadata, methods=["GET", "OPTIONS"])]
        return [
            *(prefixed if prefix else []),
            # Routed directly, not mounted: a Mount answers POST /mcp with a 307 that clients do not follow.
            Route("/mcp", self.gate),
            Route("/mcp/", self.gate),
            # RFC 9728 §3.1: the well-known URL for resource <public>/mcp, and the bare one older clients try.
            Route("/.well-known/oauth-protected-resource/mcp", metadata, methods=["GET", "OPTIONS"]),
            Route("/.well-known/oauth-protected-resource", metadata, methods=["GET", "OPTIONS"]),
        ]
