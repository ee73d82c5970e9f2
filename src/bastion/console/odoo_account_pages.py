"""The Odoo account page (every signed-in user): link their own Odoo account, see its state, re-link or unlink.

In Odoo per-user mode every tool call runs as the caller's own Odoo user; the runtime's "no linked Odoo
account" and "key refused" sentences point here. The handlers are thin shells over ``bastion.sources.odoo_links``
(shared with ``bastion users link-odoo|unlink-odoo``): a link is verified against Odoo before it is stored, and
the API key typed in is never written back into the page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.console.pages import ConsolePages, Handler, field, read_form, utc
from bastion.console.paths import ODOO_ACCOUNT_PATH
from bastion.services import Services
from bastion.sources.configuration import ODOO, PER_USER, current_source_settings
from bastion.sources.odoo_links import (
    NEW_KEY_HINT,
    OdooLinkError,
    link_odoo_account,
    odoo_link_states,
    verify_odoo_account,
)
from bastion.sources.odoo_links import unlink_odoo_account as unlink

DONE_MESSAGES = {
    "linked": "Your Odoo account is linked and verified: your tool calls run as this Odoo user.",
    "unlinked": "Your Odoo account is unlinked and its API key deleted from Bastion.",
}


class OdooAccountPages(ConsolePages):
    async def account_page(
        self, request: Request, *, odoo_login: str = "", error: str = "", status_code: int = 200
    ) -> Response:
        # Read afresh: a refused link rolled back its transaction, and the rows it had loaded with it.
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
            configured = await current_source_settings(session)
            link = (await odoo_link_states(session, [visitor.user.id])).get(visitor.user.id)
        done = request.query_params.get("done", "")
        holds = {"linked": link is not None, "unlinked": link is None}
        context = {
            "visitor": visitor,
            "section": "odoo_account",
            "configured": configured,
            "per_user": configured.kind == ODOO and configured.mode == PER_USER,
            "link": link,
            "odoo_login": odoo_login or (link.odoo_login if link else ""),
            "error": error,
            "message": DONE_MESSAGES[done] if not error and holds.get(done) else "",
            "new_key_hint": NEW_KEY_HINT,
            "utc": utc,
        }
        return self.render(request, "odoo_account.html", context, status_code)

    async def show(self, request: Request) -> Response:
        return await self.account_page(request)

    async def link(self, request: Request) -> Response:
        form = await read_form(request)
        odoo_login = field(form, "odoo_login").strip()
        api_key = field(form, "api_key")
        async with self.services.transaction() as session:
            self.check_form(await self.visitor(request, session), form)
        try:
            # Odoo is asked outside the store's transactions (odoo_links.verify_odoo_account).
            account = await verify_odoo_account(self.services.sources, odoo_login, api_key)
            async with self.services.transaction() as session:
                visitor = await self.visitor(request, session)
                await link_odoo_account(
                    session, self.services.sources, self.services.clock(), visitor.user, account, api_key,
                    actor_id=visitor.user.id,
                )  # fmt: skip
        except OdooLinkError as error:
            return await self.account_page(request, odoo_login=odoo_login, error=str(error), status_code=400)
        return RedirectResponse(f"{ODOO_ACCOUNT_PATH}?done=linked", status_code=303)

    async def unlink(self, request: Request) -> Response:
        form = await read_form(request)
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
            self.check_form(visitor, form)
            await unlink(session, self.services.clock(), visitor.user, actor_id=visitor.user.id)
        return RedirectResponse(f"{ODOO_ACCOUNT_PATH}?done=unlinked", status_code=303)


def odoo_account_routes(services: Services) -> list[tuple[str, dict[str, Handler]]]:
    pages = OdooAccountPages(services)
    return [
        (ODOO_ACCOUNT_PATH, {"GET": pages.show, "POST": pages.link}),
        (ODOO_ACCOUNT_PATH + "/unlink", {"POST": pages.unlink}),
    ]
