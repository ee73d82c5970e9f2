"""A scripted person at a browser, for the SDK's ``OAuthClientProvider``, and an in-memory token storage.

The SDK hands ``redirect_handler`` the authorization URL a real client would open in a browser.
``ScriptedBrowser`` follows it the way a person would: the sign-in page, then the consent page,
reading each form's fields from the HTML (``html.parser``) and posting them back, until Bastion
redirects to the client's redirect URI. It never follows that last redirect (nothing listens
there); ``callback_handler`` hands its ``code``, ``state`` and ``iss`` to the SDK instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthToken

LOGIN_PATH = "/console/login"
AUTHORIZE_PATH = "/oauth/authorize"
REDIRECT_STATUSES = (302, 303)


@dataclass(frozen=True)
class Account:
    """A person's sign-in for the console and the OAuth consent pages."""

    login: str
    password: str


class BrowserJourneyFailed(AssertionError):
    """A page was not what a person would have seen on the way to the client's redirect URI."""


@dataclass
class Form:
    method: str
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """Every ``<form>`` of a page with its hidden inputs, radio choices, other fields and submit buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(method=attributes.get("method", "get").lower(), action=attributes.get("action", ""))
            self.forms.append(self._current)
            return
        form = self._current
        if form is None or not attributes.get("name"):
            return
        name = attributes["name"]
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind == "hidden":
                form.hidden[name] = attributes.get("value", "")
            elif kind == "radio":
                form.radios.setdefault(name, []).append(attributes.get("value", ""))
            elif kind == "submit":
                form.buttons.append((name, attributes.get("value", "")))
            else:
                form.fields.append(name)
        elif tag == "button":
            form.buttons.append((name, attributes.get("value", "")))
        elif tag in ("select", "textarea"):
            form.fields.append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def find_form(page: httpx2.Response, *, method: str, action: str) -> Form:
    parser = FormParser()
    parser.feed(page.text)
    for form in parser.forms:
        if form.method == method and urlsplit(form.action).path == action:
            return form
    raise BrowserJourneyFailed(
        f"{page.request.url} shows no <form method={method!r} action={action!r}>; "
        f"forms found: {[(f.method, f.action) for f in parser.forms]}"
    )


@dataclass
class Authorization:
    """What the browser saw for one authorization request."""

    url: str
    signed_in: bool = False
    consent_form: Form | None = None
    error: str | None = None
    result: AuthorizationCodeResult | None = None
    # Where the authorization response sent the browser (the client's redirect URI with code, state, iss).
    redirected_to: str | None = None


class ScriptedBrowser:
    """Signs in as ``login`` when asked and answers the consent page with ``decision`` and ``access``."""

    def __init__(
        self,
        base_url: str,
        issuer: str,
        *,
        login: str,
        password: str,
        access: Literal["full", "read"] = "full",
        decision: Literal["allow", "deny"] = "allow",
    ) -> None:
        self.base_url = base_url
        self.issuer = issuer
        self.login = login
        self.password = password
        self.access = access
        self.decision = decision
        self.authorizations: list[Authorization] = []
        # Under a public URL with a path (a proxy's prefix), the pages' own addresses carry that path too.
        self.login_path = urlsplit(base_url).path + LOGIN_PATH
        self.authorize_path = urlsplit(base_url).path + AUTHORIZE_PATH
        # Keeps cookies (session, login CSRF) across pages like a browser; redirects are followed by hand.
        self.http = httpx2.AsyncClient(follow_redirects=False, trust_env=False, timeout=10.0)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def redirect_handler(self, authorization_url: str) -> None:
        authorization = Authorization(url=authorization_url)
        self.authorizations.append(authorization)
        redirect_uri = _single(parse_qs(urlsplit(authorization_url).query), "redirect_uri")
        page = await self.http.get(authorization_url)
        if _is_redirect_to(page, self.login_path):
            page = await self._sign_in(page, authorization)
        if page.status_code == 200:
            page = await self._consent(page, authorization)
        authorization.result = self._read_callback(page, redirect_uri, authorization)

    async def callback_handler(self) -> AuthorizationCodeResult:
        if not self.authorizations or self.authorizations[-1].result is None:
            raise BrowserJourneyFailed("the SDK asked for the callback before the browser reached the redirect URI")
        return self.authorizations[-1].result

    async def _sign_in(self, redirect: httpx2.Response, authorization: Authorization) -> httpx2.Response:
        login_page = await self.http.get(_location(redirect))
        if login_page.status_code != 200:
            raise BrowserJourneyFailed(f"the sign-in page answered {login_page.status_code}: {login_page.text[:500]}")
        form = find_form(login_page, method="post", action=self.login_path)
        for needed in ("csrf_token", "next"):
            if needed not in form.hidden:
                raise BrowserJourneyFailed(f"the sign-in form has no hidden {needed!r} field: {form}")
        signed_in = await self.http.post(
            urljoin(str(login_page.url), form.action or self.login_path),
            data={**form.hidden, "login": self.login, "password": self.password},
        )
        if signed_in.status_code != 303 or not _location(signed_in).startswith(f"{self.base_url}{AUTHORIZE_PATH}?"):
            raise BrowserJourneyFailed(
                f"signing in answered {signed_in.status_code} to {signed_in.headers.get('location')!r} "
                f"instead of 303 back to {AUTHORIZE_PATH}: {signed_in.text[:500]}"
            )
        authorization.signed_in = True
        return await self.http.get(_location(signed_in))

    async def _consent(self, page: httpx2.Response, authorization: Authorization) -> httpx2.Response:
        form = find_form(page, method="post", action=self.authorize_path)
        authorization.consent_form = form
        if "csrf_token" not in form.hidden:
            raise BrowserJourneyFailed(f"the consent form has no hidden csrf_token: {form}")
        if sorted(form.radios.get("access", [])) != ["full", "read"]:
            raise BrowserJourneyFailed(f"the consent form offers no full/read-only choice: {form.radios}")
        if {("decision", "allow"), ("decision", "deny")} - set(form.buttons):
            raise BrowserJourneyFailed(f"the consent form lacks the Allow and Deny buttons: {form.buttons}")
        return await self.http.post(
            urljoin(str(page.url), form.action),
            data={**form.hidden, "access": self.access, "decision": self.decision},
        )

    def _read_callback(
        self, page: httpx2.Response, redirect_uri: str, authorization: Authorization
    ) -> AuthorizationCodeResult:
        if page.status_code not in REDIRECT_STATUSES or not _location(page).startswith(f"{redirect_uri}?"):
            raise BrowserJourneyFailed(
                f"expected a redirect to {redirect_uri}, got {page.status_code} "
                f"{page.headers.get('location')!r}: {page.text[:500]}"
            )
        authorization.redirected_to = _location(page)
        query = parse_qs(urlsplit(_location(page)).query)
        # RFC 9207 §2: every authorization response names its issuer, byte for byte.
        if _single(query, "iss") != self.issuer:
            raise BrowserJourneyFailed(f"the authorization response's iss {query.get('iss')} is not {self.issuer!r}")
        if "error" in query:
            # The SDK then stops with "no authorization code"; the test reads the error from here.
            authorization.error = f"{_single(query, 'error')}: {query.get('error_description', [''])[0]}"
            return AuthorizationCodeResult(code="", state=_single(query, "state"), iss=self.issuer)
        return AuthorizationCodeResult(code=_single(query, "code"), state=_single(query, "state"), iss=self.issuer)


def _location(response: httpx2.Response) -> str:
    return urljoin(str(response.request.url), response.headers.get("location", ""))


def _is_redirect_to(response: httpx2.Response, path: str) -> bool:
    return response.status_code in REDIRECT_STATUSES and urlsplit(_location(response)).path == path


def _single(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name, [])
    if len(values) != 1:
        raise BrowserJourneyFailed(f"expected exactly one {name!r} parameter, got {values}")
    return values[0]


class InMemoryTokenStorage:
    """The SDK's ``TokenStorage``: what a client keeps between runs, here kept in memory."""

    def __init__(self, client_info: OAuthClientInformationFull | None = None) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info = client_info

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info
