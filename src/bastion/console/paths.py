"""Every address of the console, in one place: the route table, links and redirects all use these."""

from __future__ import annotations

from bastion.web_session import LOGIN_PATH

HOME_PATH = "/console"

# Account pages (sign-in is LOGIN_PATH, shared with the OAuth sign-in page)
LOGOUT_PATH, PASSWORD_PATH = f"{HOME_PATH}/logout", f"{HOME_PATH}/password"

# Administrators' pages
SETTINGS_PATH, USERS_PATH, AUDIT_PATH = f"{HOME_PATH}/settings", f"{HOME_PATH}/users", f"{HOME_PATH}/audit"
TOOLS_PATH = f"{HOME_PATH}/tools"
SOURCE_PATH, ODOO_ACCOUNT_PATH = f"{HOME_PATH}/source", f"{HOME_PATH}/account/odoo"  # the data source, own Odoo link

# Connections, and the Connect a New Tool wizard
CONNECTIONS_PATH = f"{HOME_PATH}/connections"
CONNECT_PATH = f"{HOME_PATH}/connect"
BROWSER_PATH, API_KEY_PATH = f"{CONNECT_PATH}/browser", f"{CONNECT_PATH}/api-key"
CUSTOM_OAUTH_PATH = f"{CONNECT_PATH}/custom-oauth"
CHECK_REDIRECT_URIS_PATH, SAVE_PATH = f"{CUSTOM_OAUTH_PATH}/check-redirect-uris", f"{CUSTOM_OAUTH_PATH}/save"

__all__ = [
    "API_KEY_PATH",
    "AUDIT_PATH",
    "BROWSER_PATH",
    "CHECK_REDIRECT_URIS_PATH",
    "CONNECTIONS_PATH",
    "CONNECT_PATH",
    "CUSTOM_OAUTH_PATH",
    "HOME_PATH",
    "LOGIN_PATH",
    "LOGOUT_PATH",
    "ODOO_ACCOUNT_PATH",
    "PASSWORD_PATH",
    "SAVE_PATH",
    "SETTINGS_PATH",
    "SOURCE_PATH",
    "TOOLS_PATH",
    "USERS_PATH",
]
