"""The Tools page: the tool catalog for administrators, every tool with its risk and its on/off switch.

Switching goes through ``bastion.tools.switches.set_tool_active``, the function ``bastion tools
enable|disable`` calls, so both are audited the same way. Switching a tool off asks for confirmation first:
a dialog with JavaScript, the confirmation page (``GET .../disable``) without it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.console.pages import ConsolePages, read_form
from bastion.console.paths import TOOLS_PATH
from bastion.console.refusals import NotFound, Refusal
from bastion.services import Services
from bastion.tools.registry import ToolRegistry
from bastion.tools.switches import CatalogEntry, SwitchRefused, catalog, catalog_entry, inactive_tools, set_tool_active
from bastion.web_session import Visitor

NOTICES = {
    "off": "is switched off. It is no longer in tools/list, and every call to it is refused, from the next request.",
    "on": "is switched on. Clients see it in tools/list and may call it again, from the next request.",
    "unchanged-off": "was already switched off; nothing changed.",
    "unchanged-on": "was already switched on; nothing changed.",
}


def tool_path(name: str) -> str:
    return f"{TOOLS_PATH}/{name}"


class ToolPages(ConsolePages):
    def __init__(self, services: Services, registry: ToolRegistry) -> None:
        super().__init__(services)
        # The registry /mcp serves, handed over by the composition root: the page shows exactly those tools.
        self.registry = registry

    def named_entry(self, request: Request, inactive: frozenset[str]) -> CatalogEntry:
        spec = self.registry.get(request.path_params["name"])
        if spec is None:
            raise NotFound(
                "Tool not found",
                "There is no tool by that name. The Tools page lists every tool Bastion serves.",
                link_url=TOOLS_PATH,
                link_text="Go to the Tools page",
            )
        return catalog_entry(spec, spec.name not in inactive)

    def context(self, visitor: Visitor, **extra: Any) -> dict[str, Any]:
        return {"visitor": visitor, "section": "tools", "tools_path": TOOLS_PATH, "tool_path": tool_path, **extra}

    async def index(self, request: Request) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            entries = catalog(self.registry, await inactive_tools(session))
        # A notice names a tool of the catalog only: an edited link shows nothing rather than any text.
        switched, done = request.query_params.get("tool", ""), request.query_params.get("done", "")
        notice = NOTICES.get(done) if self.registry.get(switched) else None
        extra = {"tools": entries, "notice": notice, "notice_kind": "warning" if done == "off" else "success"}
        return self.render(request, "tools.html", self.context(visitor, switched=switched, **extra))

    async def confirm_disable(self, request: Request) -> Response:
        """The confirmation as a page, for browsers without JavaScript (others show it in a dialog)."""
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            entry = self.named_entry(request, await inactive_tools(session))
        if not entry.active:
            return RedirectResponse(f"{TOOLS_PATH}?done=unchanged-off&tool={entry.name}", status_code=303)
        return self.render(request, "tools_confirm.html", self.context(visitor, tool=entry))

    async def disable(self, request: Request) -> Response:
        return await self.switch(request, False)

    async def enable(self, request: Request) -> Response:
        return await self.switch(request, True)

    async def switch(self, request: Request, active: bool) -> Response:
        form = await read_form(request)
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            self.check_form(visitor, form)
            entry = self.named_entry(request, await inactive_tools(session))
            try:
                change = await set_tool_active(
                    session, self.services.clock(), self.registry, entry.name, active, actor_id=visitor.user.id
                )
            except SwitchRefused as exc:
                raise Refusal(
                    "This tool stays on", str(exc), link_url=TOOLS_PATH, link_text="Back to the Tools page"
                ) from exc
        state = "on" if active else "off"
        done = state if change.changed else f"unchanged-{state}"
        return RedirectResponse(f"{TOOLS_PATH}?done={done}&tool={entry.name}#tool-{entry.name}", status_code=303)
