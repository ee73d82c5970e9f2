"""The connection form's editable fields (name, redirect URIs, notes): read from the form, checked field by field.

Each bad field gets its own sentence, and each bad redirect URI its own line number, so the form can
say exactly what to fix next to the field. The change itself is ``connections.update_connection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bastion.connections import ConnectionRejected, check_name, check_notes
from bastion.oauth.redirect_uris import RedirectUriRejected, check_redirect_uri


@dataclass(frozen=True)
class ConnectionEdit:
    """What the form posted, as typed (shown again when something is wrong)."""

    name: str
    notes: str
    redirect_uris_text: str | None  # None: the connection has no redirect URIs (an API key)


@dataclass
class EditErrors:
    name: str = ""
    notes: str = ""
    redirect_uris: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.name or self.notes or self.redirect_uris)


def redirect_uri_lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their line numbers; spaces around a line are invisible in a text box, so dropped."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def check_redirect_uri_lines(text: str) -> tuple[list[str], list[str]]:
    """The URIs (duplicates once, in order) and one message per bad line, e.g. ``Line 2: …``."""
    uris: list[str] = []
    problems: list[str] = []
    for number, uri in redirect_uri_lines(text):
        try:
            check_redirect_uri(uri)
        except RedirectUriRejected as exc:
            problems.append(f"Line {number}: {exc}")
            continue
        if uri not in uris:
            uris.append(uri)
    if not uris and not problems:
        problems.append("Give at least one redirect URI, one per line, e.g. https://app.example.com/callback.")
    return uris, problems


@dataclass(frozen=True)
class CheckedEdit:
    name: str
    notes: str
    redirect_uris: list[str] | None


def check_edit(edit: ConnectionEdit) -> CheckedEdit | EditErrors:
    errors = EditErrors()
    name = notes = ""
    try:
        name = check_name(edit.name)
    except ConnectionRejected as exc:
        errors.name = str(exc)
    try:
        notes = check_notes(edit.notes)
    except ConnectionRejected as exc:
        errors.notes = str(exc)
    uris = None
    if edit.redirect_uris_text is not None:
        uris, errors.redirect_uris = check_redirect_uri_lines(edit.redirect_uris_text)
    if errors:
        return errors
    return CheckedEdit(name, notes, uris)
