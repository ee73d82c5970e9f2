"""The rules of the Connect a New Tool wizard, as plain functions of plain values (no HTTP, no database).

- The Custom OAuth form's redirect URIs, one per line, each judged on its own so the person sees
  exactly which line is wrong and why (the rule itself is ``oauth.redirect_uris.check_redirect_uri``).
- The pending registration carried, sealed, from *Next* to *Save Connection*: nothing is stored
  before Save, yet Save must store the very client ID and secret the Done step showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bastion import credentials
from bastion.connections import ClientType
from bastion.credentials import Prefix
from bastion.oauth.redirect_uris import MAX_REDIRECT_URIS, RedirectUriRejected, check_redirect_uri

CLIENT_TYPES: tuple[ClientType, ...] = ("confidential", "public")
PENDING_PURPOSE = "bastion connect wizard v1"


@dataclass(frozen=True)
class LineProblem:
    """One line of the redirect URI box that cannot be registered, counted from 1 as editors do."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True)
class RedirectUriCheck:
    uris: list[str]
    problems: list[LineProblem]

    @property
    def ok(self) -> bool:
        return bool(self.uris) and not self.problems

    @property
    def summary(self) -> str:
        """The one sentence shown next to the field, besides the per-line problems."""
        if self.problems:
            count = len(self.problems)
            return (
                f"{count} line{'s' if count != 1 else ''} cannot be registered; fix {'it' if count == 1 else 'them'}:"
            )
        if not self.uris:
            return "Give at least one redirect URI: the app or service you are connecting tells you what to enter."
        if len(self.uris) == 1:
            return "The redirect URI can be registered."
        return f"All {len(self.uris)} redirect URIs can be registered."


def check_redirect_uri_lines(text: str) -> RedirectUriCheck:
    """Judge every non-blank line of the box; blank lines and spaces at either end of a line are ignored."""
    uris: list[str] = []
    problems: list[LineProblem] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            uri = check_redirect_uri(line)
        except RedirectUriRejected as exc:
            problems.append(LineProblem(number, str(exc)))
            continue
        if uri in first_seen:
            problems.append(LineProblem(number, f"repeats line {first_seen[uri]}; give each redirect URI once."))
            continue
        first_seen[uri] = number
        uris.append(uri)
    if len(uris) > MAX_REDIRECT_URIS:
        problems.append(
            LineProblem(
                first_seen[uris[MAX_REDIRECT_URIS]],
                f"a client may have at most {MAX_REDIRECT_URIS} redirect URIs; remove the ones it does not use.",
            )
        )
    return RedirectUriCheck(uris, problems)


@dataclass(frozen=True)
class PendingRegistration:
    """A Custom OAuth client between *Next* and *Save Connection*: shown, sealed, not stored.

    Only the secret's digest is kept; the secret itself exists solely on the Done page.
    """

    name: str
    client_type: ClientType
    redirect_uris: list[str]
    client_id: str
    secret_digest: str | None
    owner_id: int
    issued_at: datetime

    def as_payload(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "client_type": self.client_type,
            "redirect_uris": list(self.redirect_uris),
            "client_id": self.client_id,
            "secret_digest": self.secret_digest,
            "owner_id": self.owner_id,
            "issued_at": self.issued_at.isoformat(),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> PendingRegistration:
        return cls(
            name=payload["name"],
            client_type=payload["client_type"],
            redirect_uris=list(payload["redirect_uris"]),
            client_id=payload["client_id"],
            secret_digest=payload["secret_digest"],
            owner_id=int(payload["owner_id"]),
            issued_at=datetime.fromisoformat(payload["issued_at"]),
        )


def new_pending_registration(
    *, name: str, client_type: ClientType, redirect_uris: list[str], owner_id: int, now: datetime
) -> tuple[PendingRegistration, str | None]:
    """Fresh credentials for the Done step: the registration to seal, and the secret to show once (confidential)."""
    secret = credentials.new_credential(Prefix.CLIENT_SECRET) if client_type == "confidential" else None
    pending = PendingRegistration(
        name=name,
        client_type=client_type,
        redirect_uris=redirect_uris,
        client_id=credentials.new_client_id(),
        secret_digest=credentials.digest(secret) if secret else None,
        owner_id=owner_id,
        issued_at=now,
    )
    return pending, secret
