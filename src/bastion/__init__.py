"""Bastion: a self-hosted MCP server with a complete OAuth 2.1 authorization server."""

__version__ = "0.1.0"
