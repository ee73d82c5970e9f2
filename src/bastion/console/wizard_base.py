"""What the wizard's pages share: rendering with the wizard's context, and its "not found"."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.console.pages import ConsolePages
from bastion.console.paths import CONNECTIONS_PATH
from bastion.console.refusals import NotFound
from bastion.web_session import Visitor


class WizardPages(ConsolePages):
    def page(
        self, request: Request, visitor: Visitor, template: str, status_code: int = 200, **context: Any
    ) -> Response:
        context |= {"visitor": visitor, "section": "connect", "mcp_url": self.settings.resource_url}
        return self.render(request, template, context, status_code)


def connection_not_found() -> NotFound:
    # 404, not 403, for someone else's connection: ids must not tell what exists.
    return NotFound(
        "Connection not found",
        "There is no connection with this number among the connections you can see.",
        link_url=CONNECTIONS_PATH,
        link_text="Go to the connections",
    )
