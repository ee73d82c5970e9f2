"""What the wizard's pages share: their addresses, and rendering with the wizard's context."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.console.pages import ConsolePages
from bastion.web_session import Visitor

CONNECT_PATH = "/console/connect"
BROWSER_PATH = f"{CONNECT_PATH}/browser"
API_KEY_PATH = f"{CONNECT_PATH}/api-key"
CUSTOM_OAUTH_PATH = f"{CONNECT_PATH}/custom-oauth"
CHECK_REDIRECT_URIS_PATH = f"{CUSTOM_OAUTH_PATH}/check-redirect-uris"
SAVE_PATH = f"{CUSTOM_OAUTH_PATH}/save"
CONNECTIONS_PATH = "/console/connections"


class WizardPages(ConsolePages):
    def page(
        self, request: Request, visitor: Visitor, template: str, status_code: int = 200, **context: Any
    ) -> Response:
        context |= {"visitor": visitor, "section": "connect", "mcp_url": self.settings.resource_url}
        return self.render(request, template, context, status_code)

    def not_found(self, request: Request, visitor: Visitor) -> Response:
        # 404, not 403, for someone else's connection: ids must not tell what exists.
        return self.error_page(
            request,
            404,
            "Connection not found",
            "There is no connection with this number among the connections you can see.",
            link_url=CONNECTIONS_PATH,
            link_text="Go to the connections",
            visitor=visitor,
        )
