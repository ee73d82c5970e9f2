"""The OAuth 2.1 authorization server: one module per endpoint and per rule, named with the spec's words."""
