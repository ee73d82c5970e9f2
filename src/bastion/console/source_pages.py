"""The Data source page (administrators): what the tools read, switching it, and *Test connection*.

The handlers are thin shells over ``bastion.sources.configuration`` (``use_demo``, ``use_sql``, ``use_odoo``,
shared with ``bastion source set-...``) and ``bastion.sources.connection_check`` (shared with ``bastion source
test``). A refused configuration comes back on the page with its sentence and changes nothing; a secret typed
into a form (a SQL password, the service account's API key) is never written back into the page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.console.pages import ConsolePages, Handler, field, read_form, utc
from bastion.console.paths import SOURCE_PATH
from bastion.console.refusals import NotFound
from bastion.services import Services
from bastion.sources.configuration import (
    DEMO,
    ODOO,
    ODOO_PROTOCOLS,
    PER_USER,
    SERVICE,
    SQL,
    SQL_EXAMPLES,
    SourceConfigError,
    SourceSettings,
    current_source_settings,
    use_demo,
    use_odoo,
    use_sql,
)
from bastion.sources.connection_check import check_connection
from bastion.sources.errors import SourceError
from bastion.sources.port import SourceStatus

KINDS = {DEMO: "Embedded demo company", SQL: "SQL database", ODOO: "Odoo"}
MODES = {PER_USER: "Per user (each person's own Odoo account)", SERVICE: "Service account (one login for every call)"}
NOT_CONFIRMED = "Nothing changed: confirm the switch with the button in the confirmation box."


def shown_sql_url(typed: str) -> str:
    """A SQL URL typed into the form, as it may be shown again: with its password, if any, masked."""
    try:
        url = make_url(typed.strip())
    except ArgumentError:
        return typed
    return url.render_as_string(hide_password=True) if url.password else typed


def form_values(configured: SourceSettings) -> dict[str, Any]:
    """The forms' starting values: the configured source's, so a switch back to it needs little typing."""
    return {
        "sql_url": configured.url if configured.kind == SQL else "",
        "writable": configured.writable if configured.kind == SQL else False,
        "odoo_url": configured.url if configured.kind == ODOO else "",
        "database": configured.database,
        "mode": configured.mode or PER_USER,
        "service_login": configured.service_login,
        "protocol": configured.protocol or "auto",
    }


class SourcePages(ConsolePages):
    async def source_page(
        self,
        request: Request,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status: SourceStatus | None = None,
        test_error: str = "",
        status_code: int = 200,
    ) -> Response:
        # Read afresh: a refused change rolled back its transaction, and the rows it had loaded with it.
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            configured = await current_source_settings(session)
        context = {
            "visitor": visitor,
            "section": "source",
            "configured": configured,
            "kinds": KINDS,
            "modes": MODES,
            "protocols": ODOO_PROTOCOLS,
            "values": values or form_values(configured),
            "errors": errors or {},
            "status": status,
            "test_error": test_error,
            "changed": request.query_params.get("done") == "changed" and not errors,
            "sql_examples": SQL_EXAMPLES,
            "utc": utc,
        }
        return self.render(request, "source.html", context, status_code)

    async def show(self, request: Request) -> Response:
        return await self.source_page(request)

    async def switch(self, request: Request) -> Response:
        """One of the three forms: ``kind`` says which. Stored and audited in one transaction, or not at all."""
        form = await read_form(request)
        kind = request.path_params["kind"]
        if kind not in KINDS:
            raise NotFound("No such data source", "The Data source page switches to the demo, SQL or Odoo.")
        url, writable, database = field(form, "url"), field(form, "writable") == "true", field(form, "database").strip()
        mode, protocol = field(form, "mode") or PER_USER, field(form, "protocol") or "auto"
        service_login, api_key = field(form, "service_login").strip(), field(form, "api_key").strip()
        values = {
            "sql_url": shown_sql_url(url) if kind == SQL else "",
            "writable": writable,
            "odoo_url": url.strip() if kind == ODOO else "",
            "database": database,
            "mode": mode,
            "service_login": service_login,
            "protocol": protocol,
        }
        now = self.services.clock()
        try:
            async with self.services.transaction() as session:
                visitor = await self.administrator(request, session)
                self.check_form(visitor, form)
                if field(form, "confirmed") != "yes":
                    raise SourceConfigError(NOT_CONFIRMED)
                if kind == DEMO:
                    await use_demo(session, self.settings, now, actor_id=visitor.user.id)
                elif kind == SQL:
                    await use_sql(session, self.settings, now, url, writable=writable, actor_id=visitor.user.id)
                else:
                    if mode not in MODES:
                        raise SourceConfigError("Choose a mode: per user or service account.")
                    service = mode == SERVICE
                    if service and not (service_login and api_key):
                        raise SourceConfigError(
                            "A service account needs its Odoo login and an API key; give both, or choose per-user mode."
                        )
                    await use_odoo(
                        session, self.settings, now, url, database,
                        service_login=service_login if service else None, api_key=api_key if service else None,
                        protocol=protocol, actor_id=visitor.user.id,
                    )  # fmt: skip
        except SourceConfigError as error:
            return await self.source_page(request, values=values, errors={kind: str(error)}, status_code=400)
        return RedirectResponse(f"{SOURCE_PATH}?done=changed", status_code=303)

    async def test(self, request: Request) -> Response:
        """*Test connection* as this administrator's identity; a POST, so no other site can make Bastion call out."""
        form = await read_form(request)
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            self.check_form(visitor, form)
        try:
            status = await check_connection(self.services.sources, self.services.transaction, visitor.user)
        except SourceError as error:
            return await self.source_page(request, test_error=str(error))
        return await self.source_page(request, status=status)


def source_routes(services: Services) -> list[tuple[str, dict[str, Handler]]]:
    pages = SourcePages(services)
    return [
        (SOURCE_PATH, {"GET": pages.show}),
        (SOURCE_PATH + "/test", {"POST": pages.test}),
        (SOURCE_PATH + "/{kind:str}", {"POST": pages.switch}),
    ]
