"""Every address of the console, in one place: the route table, links and redirects all use these."""

from __future__ import annotations

from bastion.web_session import LOGIN_PATH

HOME_PATH = "/console"
LOGOUT_PATH = f"{HOME_PATH}/logout"
PASSWORD_PATH = f"{HOME_PATH}/password"
SETTINGS_PATH = f"{HOME_PATH}/settings"
USERS_PATH = f"{HOME_PATH}/users"
AUDIT_PATH = f"{HOME_PATH}/audit"
CONNECTIONS_PATH = f"{HOME_PATH}/connections"
CONNECT_PATH = f"{HOME_PATH}/connect"
BROWSER_PATH = f"{CONNECT_PATH}/browser"
API_KEY_PATH = f"{CONNECT_PATH}/api-key"
CUSTOM_OAUTH_PATH = f"{CONNECT_PATH}/custom-oauth"
CHECK_REDIRECT_URIS_PATH = f"{CUSTOM_OAUTH_PATH}/check-redirect-uris"
SAVE_PATH = f"{CUSTOM_OAUTH_PATH}/save"

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
    "PASSWORD_PATH",
    "SAVE_PATH",
    "SETTINGS_PATH",
    "USERS_PATH",
]
