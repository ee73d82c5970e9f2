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
from bastion.console.admin_tools import ToolPages
from bastion.console.admin_users import UserPages
from bastion.console.connection_pages import ConnectionPages
from bastion.console.odoo_account_pages import odoo_account_routes
from bastion.console.pages import Handler
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
    TOOLS_PATH,
    USERS_PATH,
)
from bastion.console.source_pages import source_routes
from bastion.console.wizard import ConnectPages
from bastion.console.wizard_custom_oauth import CustomOAuthPages
from bastion.services import Services
from bastion.tools.registry import ToolRegistry


def console_routes(services: Services, registry: ToolRegistry) -> list[BaseRoute]:
    account, connect, custom = AccountPages(services), ConnectPages(services), CustomOAuthPages(services)
    settings, users, audit = SettingsPages(services), UserPages(services), AuditPages(services)
    listed, tools = ConnectionPages(services), ToolPages(services, registry)
    user = USERS_PATH + "/{user_id:int}"
    connection = CONNECTIONS_PATH + "/{connection_id}"
    pages: list[tuple[str, dict[str, Handler]]] = [
        # Account pages
        (HOME_PATH, {"GET": account.home}),
        (LOGIN_PATH, {"GET": account.show_login, "POST": account.login}),
        (LOGIN_PATH + "/odoo", {"POST": account.login_with_odoo}),
        (LOGOUT_PATH, {"POST": account.logout}),
        (accounts.SETUP_PATH, {"GET": account.show_setup, "POST": account.setup}),
        (PASSWORD_PATH, {"GET": account.show_password, "POST": account.change_password}),
        *odoo_account_routes(services),
        # Connect a New Tool
        (CONNECT_PATH, {"GET": connect.choose}),
        (BROWSER_PATH, {"GET": connect.browser_done}),
        (API_KEY_PATH, {"GET": connect.show_api_key_form, "POST": connect.create_api_key}),
        (API_KEY_PATH + "/{connection_id:int}/done", {"GET": connect.api_key_done}),
        (CUSTOM_OAUTH_PATH, {"GET": custom.show_form, "POST": custom.review}),
        (CHECK_REDIRECT_URIS_PATH, {"POST": custom.check_redirect_uris}),
        (SAVE_PATH, {"POST": custom.save}),
        # Administrators: Server Settings, Users, the audit log
        (SETTINGS_PATH, {"GET": settings.show, "POST": settings.save}),
        (SETTINGS_PATH + "/mcp-access", {"POST": settings.switch_mcp_access}),
        (USERS_PATH, {"GET": users.index}),
        (USERS_PATH + "/new", {"GET": users.show_new, "POST": users.create}),
        (user, {"GET": users.details}),
        (user + "/role", {"POST": users.change_role}),
        (user + "/deactivate", {"POST": users.deactivate}),
        (user + "/reactivate", {"POST": users.reactivate}),
        (user + "/setup-link", {"POST": users.new_setup_link}),
        (AUDIT_PATH, {"GET": audit.index}),
        (TOOLS_PATH, {"GET": tools.index}),
        (TOOLS_PATH + "/{name}/disable", {"GET": tools.confirm_disable, "POST": tools.disable}),
        (TOOLS_PATH + "/{name}/enable", {"POST": tools.enable}),
        *source_routes(services),
        # Connections
        (CONNECTIONS_PATH, {"GET": listed.show_list}),
        (connection, {"GET": listed.show, "POST": listed.save}),
        (connection + "/rotate", {"GET": listed.confirm_rotate, "POST": listed.rotate}),
        (connection + "/revoke", {"GET": listed.confirm_revoke, "POST": listed.revoke}),
        (connection + "/reactivate", {"POST": listed.reactivate}),
    ]
    root = Route("/", account.root, methods=["GET"])
    guarded = account.guarded
    return [
        root,
        *(
            Route(path, guarded(handler), methods=[method])
            for path, by_method in pages
            for method, handler in by_method.items()
        ),
    ]
