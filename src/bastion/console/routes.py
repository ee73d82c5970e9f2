"""The console's route table: every page, its address and method, and the class that answers it.

Each handler is wrapped by ``guarded``, which renders the refusals of ``console/refusals.py`` and turns an
unexpected failure into a page that says what to do.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from bastion import accounts
from bastion.console.account_pages import AccountPages
from bastion.console.admin_audit import AuditPages
from bastion.console.admin_settings import SettingsPages
from bastion.console.admin_users import UserPages
from bastion.console.connection_pages import ConnectionPages
from bastion.console.paths import (
    API_KEY_PATH,
    AUDIT_PATH,
    BROWSER_PATH,
    CHECK_REDIRECT_URIS_PATH,
    CONNECT_PATH,
    CONNECTIONS_PATH,
    CUSTOM_OAUTH_PATH,
    HOME_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    PASSWORD_PATH,
    SAVE_PATH,
    SETTINGS_PATH,
    USERS_PATH,
)
from bastion.console.wizard import ConnectPages
from bastion.console.wizard_custom_oauth import CustomOAuthPages
from bastion.services import Services

GET, POST = ["GET"], ["POST"]


def console_routes(services: Services) -> list[BaseRoute]:
    account, connect, custom = AccountPages(services), ConnectPages(services), CustomOAuthPages(services)
    settings, users, audit = SettingsPages(services), UserPages(services), AuditPages(services)
    listed = ConnectionPages(services)
    guarded = account.guarded
    user = USERS_PATH + "/{user_id:int}"
    connection = CONNECTIONS_PATH + "/{connection_id}"
    return [
        Route("/", account.root, methods=GET),
        # Account pages
        Route(HOME_PATH, guarded(account.home), methods=GET),
        Route(LOGIN_PATH, guarded(account.show_login), methods=GET),
        Route(LOGIN_PATH, guarded(account.login), methods=POST),
        Route(LOGOUT_PATH, guarded(account.logout), methods=POST),
        Route(accounts.SETUP_PATH, guarded(account.show_setup), methods=GET),
        Route(accounts.SETUP_PATH, guarded(account.setup), methods=POST),
        Route(PASSWORD_PATH, guarded(account.show_password), methods=GET),
        Route(PASSWORD_PATH, guarded(account.change_password), methods=POST),
        # Connect a New Tool
        Route(CONNECT_PATH, guarded(connect.choose), methods=GET),
        Route(BROWSER_PATH, guarded(connect.browser_done), methods=GET),
        Route(API_KEY_PATH, guarded(connect.show_api_key_form), methods=GET),
        Route(API_KEY_PATH, guarded(connect.create_api_key), methods=POST),
        Route(API_KEY_PATH + "/{connection_id:int}/done", guarded(connect.api_key_done), methods=GET),
        Route(CUSTOM_OAUTH_PATH, guarded(custom.show_form), methods=GET),
        Route(CUSTOM_OAUTH_PATH, guarded(custom.review), methods=POST),
        Route(CHECK_REDIRECT_URIS_PATH, guarded(custom.check_redirect_uris), methods=POST),
        Route(SAVE_PATH, guarded(custom.save), methods=POST),
        # Administrators: Server Settings, Users, the audit log
        Route(SETTINGS_PATH, guarded(settings.show), methods=GET),
        Route(SETTINGS_PATH, guarded(settings.save), methods=POST),
        Route(SETTINGS_PATH + "/mcp-access", guarded(settings.switch_mcp_access), methods=POST),
        Route(USERS_PATH, guarded(users.index), methods=GET),
        Route(USERS_PATH + "/new", guarded(users.show_new), methods=GET),
        Route(USERS_PATH + "/new", guarded(users.create), methods=POST),
        Route(user, guarded(users.details), methods=GET),
        Route(user + "/role", guarded(users.change_role), methods=POST),
        Route(user + "/deactivate", guarded(users.deactivate), methods=POST),
        Route(user + "/reactivate", guarded(users.reactivate), methods=POST),
        Route(user + "/setup-link", guarded(users.new_setup_link), methods=POST),
        Route(AUDIT_PATH, guarded(audit.index), methods=GET),
        # Connections
        Route(CONNECTIONS_PATH, guarded(listed.show_list), methods=GET),
        Route(connection, guarded(listed.show), methods=GET),
        Route(connection, guarded(listed.save), methods=POST),
        Route(connection + "/rotate", guarded(listed.confirm_rotate), methods=GET),
        Route(connection + "/rotate", guarded(listed.rotate), methods=POST),
        Route(connection + "/revoke", guarded(listed.confirm_revoke), methods=GET),
        Route(connection + "/revoke", guarded(listed.revoke), methods=POST),
        Route(connection + "/reactivate", guarded(listed.reactivate), methods=POST),
    ]
