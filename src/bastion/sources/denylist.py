"""Models and fields never exposed, whatever the connection: secrets, credentials and Bastion's own tables.

One list for every source (ARCHITECTURE.md, "Data sources"). Bastion narrows what the identity may
see; it never widens it. A denied model is absent from ``list_models`` and refused everywhere else as
if it did not exist; a denied field is absent from ``describe_model`` and refused when named.
"""

from __future__ import annotations

import re

DENIED_MODELS = frozenset(
    {
        "ir.config_parameter",  # system parameters: database secret, mail server credentials, OAuth keys
        "res.users.apikeys",  # Odoo API keys
        "res.users.apikeys.description",
        "res.users.identitycheck",
        "res.users.log",
        "auth.totp.device",
        "auth_totp.device",
        "ir.cron.trigger",
        "ir.mail_server",  # SMTP credentials
        "fetchmail.server",  # IMAP/POP credentials
        "payment.provider",  # payment gateway keys
        "iap.account",  # IAP tokens
        "bus.bus",
        "base.automation",  # server-side code
        "ir.actions.server",
        "ir.rule",
        "ir.model.access",
    }
)

# Bastion's own tables (store/models.py). A SQL source hides them all when it points at a database
# that holds Bastion's schema (by mistake, or the demo sharing a file): they hold credential digests.
STORE_TABLES = frozenset(
    {
        "users",
        "setup_links",
        "browser_sessions",
        "connections",
        "consents",
        "authorization_codes",
        "tokens",
        "server_settings",
        "audit_events",
        "data_source",
        "odoo_links",
        "attempts",
        "tool_switches",
        "change_counter",
        "alembic_version",
    }
)
# Tables whose joint presence says "this is Bastion's own database".
_BASTION_SIGNATURE = frozenset({"connections", "tokens", "audit_events", "server_settings"})

# A field whose name says it holds a secret: password, password_crypt, api_key, oauth_access_token,
# totp_secret, signup_token, access_token, refresh_token, client_secret, private_key, ...
_SECRET_FIELD = re.compile(r"(^|_)(password|passwd|secret|token|api_?key|private_key|totp|otp|signup)(_|$|s$)")


def is_denied_model(model: str) -> bool:
    return model in DENIED_MODELS


def holds_bastion_schema(table_names: set[str] | frozenset[str]) -> bool:
    """True when a SQL database's tables include Bastion's own; then every ``STORE_TABLES`` table is hidden."""
    return set(table_names) >= _BASTION_SIGNATURE


def is_denied_field(name: str) -> bool:
    return bool(_SECRET_FIELD.search(name.lower()))
