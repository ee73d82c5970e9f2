"""How a console page refuses: it raises one of these, and ``ConsolePages.guarded`` renders it, once.

A refusal is the error page (status, title, sentence, one link onward), or for ``SignInRequired`` the
redirect to the sign-in page that comes back here afterwards. Nothing a refused request did is kept:
it is raised inside the request's transaction, which rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping


class Refusal(Exception):
    """An error page instead of the page asked for; without a link it points to the console's home."""

    status_code = 400
    title = "This cannot be done"
    message = ""

    def __init__(
        self,
        title: str | None = None,
        message: str | None = None,
        *,
        status_code: int | None = None,
        link_url: str | None = None,
        link_text: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.title = title or type(self).title
        self.message = message or type(self).message
        self.status_code = status_code or type(self).status_code
        self.link_url = link_url
        self.link_text = link_text
        self.headers = dict(headers or {})
        super().__init__(self.title)


class SignInRequired(Refusal):
    """Nobody is signed in: go to the sign-in page, then to ``next_path`` (by default the page asked for)."""

    status_code = 303
    title = "Sign in first"

    def __init__(self, next_path: str | None = None) -> None:
        super().__init__()
        self.next_path = next_path


class FormExpired(Refusal):
    """A POST whose CSRF token is not the session's: nothing changes."""

    status_code = 403
    title = "This form expired"
    message = "The form was out of date or came from another site, so nothing changed. Reload the page and try again."


class Forbidden(Refusal):
    status_code = 403
    title = "Administrators only"
    message = "This page is for administrators. Ask an administrator of this Bastion if you need a change here."


class NotFound(Refusal):
    status_code = 404
    title = "Not found"


class UnreadableRequest(Refusal):
    """A form or query the console cannot take: a body Starlette cannot parse, a NUL in a value."""

    status_code = 400
    title = "This request cannot be read"
