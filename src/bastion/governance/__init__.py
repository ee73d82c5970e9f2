"""Governance: who may do what, how often, from where; connection status; the audit log."""
