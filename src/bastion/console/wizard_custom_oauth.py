"""Connect a New Tool ▸ Custom OAuth (advanced), step for step as the seed page describes it.

Step 2 configures the client. *Next* checks the form, makes the client ID and secret and shows them,
and stores nothing: the pending registration (with the secret's digest, never the secret) travels
sealed in the Done page's form. *Save Connection* unseals it, checks it is the signed-in person's and
fresh, and stores exactly that client ID and digest, once: leaving the Done step creates nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion import connections
from bastion.connections import ConnectionRejected, check_name
from bastion.console.pages import field, read_form, sign_in_url
from bastion.console.paths import CHECK_REDIRECT_URIS_PATH, CONNECTIONS_PATH, CUSTOM_OAUTH_PATH, SAVE_PATH
from bastion.console.refusals import FormExpired, Refusal, SignInRequired
from bastion.console.wizard_base import WizardPages
from bastion.console.wizard_rules import (
    CLIENT_TYPES,
    PENDING_PURPOSE,
    PendingRegistration,
    RedirectUriCheck,
    check_redirect_uri_lines,
    new_pending_registration,
)
from bastion.sealing import SealExpired, SealTampered, seal, unseal
from bastion.store.models import Connection
from bastion.store.repositories import Connections
from bastion.web_session import Visitor, current_visitor

# The seed page's Done step may stay open a while (copying into another app); an hour is plenty.
PENDING_MAX_AGE = timedelta(hours=1)


def unsaved(title: str, message: str, *, status_code: int = 400) -> Refusal:
    return Refusal(title, message, status_code=status_code, link_url=CUSTOM_OAUTH_PATH, link_text="Start again")


class CustomOAuthPages(WizardPages):
    def form_page(
        self,
        request: Request,
        visitor: Visitor,
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        uri_check: RedirectUriCheck | None = None,
        status_code: int = 200,
    ) -> Response:
        values = {"name": "", "client_type": "confidential", "redirect_uris": ""} | (values or {})
        return self.page(
            request, visitor, "connect_custom_oauth_form.html", status_code,
            values=values, errors=errors or {}, uri_check=uri_check, check_path=CHECK_REDIRECT_URIS_PATH,
        )  # fmt: skip

    async def show_form(self, request: Request) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
        return self.form_page(request, visitor)

    async def review(self, request: Request) -> Response:
        """*Next*: check the form, make the credentials and show them; nothing is stored here."""
        form = await read_form(request)
        values = {name: field(form, name) for name in ("name", "client_type", "redirect_uris")}
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session, now)
            server = await self.services.server_settings(session)
        self.check_form(visitor, form)
        errors: dict[str, str] = {}
        try:
            values["name"] = check_name(values["name"])
        except ConnectionRejected as exc:
            errors["name"] = str(exc)
        if values["client_type"] not in CLIENT_TYPES:
            errors["client_type"] = "Choose Confidential (has a client secret) or Public (PKCE only, no secret)."
        uri_check = check_redirect_uri_lines(values["redirect_uris"])
        if not uri_check.ok:
            errors["redirect_uris"] = uri_check.summary
        if errors:
            return self.form_page(request, visitor, values=values, errors=errors, uri_check=uri_check, status_code=400)
        pending, secret = new_pending_registration(
            name=values["name"],
            client_type=values["client_type"],  # type: ignore[arg-type]  # checked against CLIENT_TYPES above
            redirect_uris=uri_check.uris,
            owner_id=visitor.user.id,
            now=now,
        )
        return self.page(
            request, visitor, "connect_custom_oauth_done.html",
            server=server, pending=pending, client_secret=secret,
            sealed=seal(self.settings, PENDING_PURPOSE, pending.as_payload(), now=now),
            save_path=SAVE_PATH, issuer=self.settings.issuer,
        )  # fmt: skip

    async def check_redirect_uris(self, request: Request) -> Response:
        """The live check of the redirect URI box (htmx): the messages fragment, the same as on submit."""
        form = await read_form(request)
        try:
            async with self.services.transaction() as session:
                visitor = await self.visitor(request, session)
            self.check_form(visitor, form)
        except (SignInRequired, FormExpired):
            # A fragment, not a page: htmx leaves the page as it is; the full check still runs on Next.
            return Response("Sign in again to check the redirect URIs.", status_code=403, media_type="text/plain")
        text = field(form, "redirect_uris")
        uri_check = check_redirect_uri_lines(text) if text.strip() else None
        return self.render(request, "connect_redirect_uri_check.html", {"uri_check": uri_check})

    async def save(self, request: Request) -> Response:
        """*Save Connection*: store exactly the registration the Done step showed, once."""
        form = await read_form(request)
        now = self.services.clock()
        try:
            async with self.services.transaction() as session:
                try:
                    visitor = await self.visitor(request, session, now)
                except SignInRequired:
                    # Signing in cannot bring this POST back (there is no page to GET at /save): say so.
                    raise Refusal(
                        "You were signed out",
                        "Your session ended before Save Connection, so nothing was saved and the credentials "
                        "shown will never work. Sign in and start the Custom OAuth connection again.",
                        status_code=401, link_url=sign_in_url(CUSTOM_OAUTH_PATH), link_text="Sign in",
                    ) from None  # fmt: skip
                self.check_form(visitor, form)
                try:
                    payload = unseal(self.settings, PENDING_PURPOSE, field(form, "pending"), PENDING_MAX_AGE, now=now)
                    pending = PendingRegistration.from_payload(payload)
                except SealExpired:
                    raise unsaved(
                        "This form expired",
                        "The Done step was open for more than an hour, so nothing was saved and that client ID "
                        "and secret will never work. Start again to get new ones.",
                    ) from None  # fmt: skip
                except (SealTampered, KeyError, TypeError, ValueError):
                    raise unsaved(
                        "This form cannot be saved",
                        "The form was changed or did not come from this server, so nothing was saved. "
                        "Start again to get a new client ID and secret.",
                    ) from None  # fmt: skip
                if pending.owner_id != visitor.user.id:
                    raise unsaved(
                        "This form belongs to another account",
                        "It was filled in while someone else was signed in, so nothing was saved. "
                        "Start again signed in as yourself.",
                        status_code=403,
                    )  # fmt: skip
                existing = await Connections(session).by_client_id(pending.client_id)
                if existing is not None:
                    return self.already_saved(request, visitor, existing)
                issued = await connections.create_oauth_client(
                    session,
                    now,
                    name=pending.name,
                    client_type=pending.client_type,
                    redirect_uris=pending.redirect_uris,
                    owner=visitor.user,
                    actor_id=visitor.user.id,
                    client_id=pending.client_id,
                    secret_digest=pending.secret_digest,
                )
        except IntegrityError:
            # A second Save raced this one past the lookup; the unique client ID let only one through.
            return await self.already_saved_after_race(request, pending.client_id)
        return RedirectResponse(f"{CONNECTIONS_PATH}?saved={issued.connection.id}", status_code=303)

    def already_saved(self, request: Request, visitor: Visitor, connection: Connection) -> Response:
        return self.page(request, visitor, "connect_already_saved.html", 409, connection=connection)

    async def already_saved_after_race(self, request: Request, client_id: str) -> Response:
        async with self.services.transaction() as session:
            visitor = await current_visitor(request, session, self.services.clock())
            existing = await Connections(session).by_client_id(client_id)
        if visitor is None or existing is None:
            raise RuntimeError("a Save lost a race on the client ID, yet no connection has it")
        return self.already_saved(request, visitor, existing)
