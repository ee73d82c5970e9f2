"""Helpers for tests of the authorization endpoint: sign a browser in, build requests, read the consent form."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx2
from sqlalchemy import func, select

from bastion import accounts
from bastion.oauth.pkce import s256
from bastion.services import Services
from bastion.store.models import AuditEvent, AuthorizationCode, Consent, User
from bastion.web_session import SESSION_COOKIE

CALLBACK = "https://app.example.com/callback"
RESOURCE = "http://testserver/mcp"
ISSUER = "http://testserver"
# RFC 7636 Appendix B's example verifier.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = s256(VERIFIER)
STATE = "af0ifjsldkj"


async def make_person(services: Services, login: str) -> User:
    """A user without a password (hashing one is slow): these tests sign browsers in directly."""
    async with services.transaction() as session:
        return await accounts.create_user(session, services.clock(), login=login, is_admin=False)


async def sign_in(services: Services, client: httpx2.AsyncClient, user: User) -> str:
    """Give the client a signed-in browser session for ``user``; returns the session's CSRF token."""
    async with services.transaction() as session:
        signed_in = await accounts.start_browser_session(session, services.clock(), user)
    client.cookies.set(SESSION_COOKIE, signed_in.session_secret)
    return signed_in.csrf_token


def authorize_params(client_id: str, **overrides: str | None) -> dict[str, str]:
    """A valid authorization request; an override of None leaves that parameter out."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        "state": STATE,
        "scope": "mcp:read mcp:write",
        "resource": RESOURCE,
    }
    params.update(overrides)  # type: ignore[arg-type]
    return {name: value for name, value in params.items() if value is not None}


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"action": values.get("action"), "method": values.get("method"), "fields": []})
        elif tag in ("input", "button") and self.forms:
            self.forms[-1]["fields"].append((tag, values))


def forms(html: str) -> list[dict]:
    reader = _FormReader()
    reader.feed(html)
    return reader.forms


def consent_form(html: str) -> dict:
    """The consent form: its hidden fields (name, value pairs), radio values and decision buttons."""
    (form,) = [f for f in forms(html) if f["action"] == "/oauth/authorize"]
    hidden = [(a["name"], a["value"]) for tag, a in form["fields"] if tag == "input" and a.get("type") == "hidden"]
    radios = [a for tag, a in form["fields"] if tag == "input" and a.get("type") == "radio"]
    buttons = [a["value"] for tag, a in form["fields"] if tag == "button" and a.get("name") == "decision"]
    return {
        "method": form["method"],
        "hidden": hidden,
        "radios": [a["value"] for a in radios],
        "disabled": [a["value"] for a in radios if "disabled" in a],
        "checked": [a["value"] for a in radios if "checked" in a],
        "buttons": buttons,
    }


async def decide(
    client: httpx2.AsyncClient, consent_page: httpx2.Response, decision: str = "allow", **extra: str
) -> httpx2.Response:
    """Press Allow or Deny on a consent page, as a browser would."""
    fields = [*consent_form(consent_page.text)["hidden"], ("decision", decision), *extra.items()]
    return await client.post("/oauth/authorize", data=form_data(fields))


def form_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields for httpx2 (which takes repeated fields as lists), in their order."""
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def redirect_query(response: httpx2.Response) -> dict[str, str]:
    """The parameters of a redirect to the client (each expected once)."""
    assert response.status_code == 303, response.text
    values = parse_qs(urlsplit(response.headers["location"]).query, keep_blank_values=True)
    assert all(len(v) == 1 for v in values.values()), values
    return {name: v[0] for name, v in values.items()}


def redirect_target(response: httpx2.Response) -> str:
    parts = urlsplit(response.headers["location"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


async def count_rows(services: Services, model: type) -> int:
    async with services.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def audit_events(services: Services, event: str) -> list[AuditEvent]:
    await services.batch_writer.flush()  # the per-request entries the app has queued, written first
    async with services.transaction() as session:
        return list((await session.scalars(select(AuditEvent).where(AuditEvent.event == event))).all())


async def codes(services: Services) -> list[AuthorizationCode]:
    async with services.transaction() as session:
        return list((await session.scalars(select(AuthorizationCode).order_by(AuthorizationCode.id))).all())


async def consents(services: Services) -> list[Consent]:
    async with services.transaction() as session:
        return list((await session.scalars(select(Consent))).all())
