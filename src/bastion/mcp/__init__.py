"""The /mcp endpoint: the SDK's Streamable HTTP transport behind bearer authentication, and tool dispatch."""
