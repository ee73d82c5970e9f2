"""The connection form's editable fields (console/connection_edits.py) and ``connections.update_connection``."""

from __future__ import annotations

import pytest

from bastion import connections
from bastion.console.connection_edits import (
    CheckedEdit,
    ConnectionEdit,
    EditErrors,
    check_edit,
    check_redirect_uri_lines,
)
from bastion.store.repositories import Connections
from tests.factories import make_api_key, make_oauth_client, make_user
from tests.mcp.helpers import audit_events

# --- checking the form, field by field -----------------------------------------------------------------


def test_each_bad_redirect_uri_line_gets_its_own_numbered_message():
    text = "https://ok.example.com/cb\n\nhttp://evil.example.com/cb\nnot a url\nhttps://ok.example.com/cb#frag"
    uris, problems = check_redirect_uri_lines(text)
    assert uris == ["https://ok.example.com/cb"]
    assert len(problems) == 3
    assert problems[0].startswith("Line 3: 'http://evil.example.com/cb' uses http on a non-loopback host")
    assert problems[1].startswith("Line 4: 'not a url' is not an absolute URL")
    assert problems[2].startswith("Line 5: ") and "fragment" in problems[2]


def test_spaces_around_a_line_and_blank_lines_and_repeats_are_forgiven():
    uris, problems = check_redirect_uri_lines(
        "  https://a.example.com/cb  \r\n\r\nhttps://a.example.com/cb\nhttp://127.0.0.1:9/cb"
    )
    assert (uris, problems) == (["https://a.example.com/cb", "http://127.0.0.1:9/cb"], [])


def test_no_redirect_uri_at_all_says_to_give_one():
    assert check_redirect_uri_lines(" \n ") == (
        [],
        ["Give at least one redirect URI, one per line, e.g. https://app.example.com/callback."],
    )


def test_a_good_edit_is_checked_and_cleaned():
    checked = check_edit(ConnectionEdit("  Acme   CRM ", "  call Bob  \n", "https://a.example.com/cb"))
    assert checked == CheckedEdit("Acme CRM", "call Bob", ["https://a.example.com/cb"])
    assert check_edit(ConnectionEdit("Key", "", None)) == CheckedEdit("Key", "", None)


def test_every_bad_field_is_reported_at_once():
    errors = check_edit(ConnectionEdit("   ", "x" * 4001, "ftp://files.example.com/"))
    assert isinstance(errors, EditErrors)
    assert errors.name == "Give the connection a name, e.g. “Acme Internal CRM”."
    assert errors.notes == "Notes may be at most 4,000 characters long; these have 4,001. Shorten them."
    assert errors.redirect_uris == [
        "Line 1: 'ftp://files.example.com/' uses the scheme 'ftp'; only https (or http on 127.0.0.1, [::1], "
        "localhost) is allowed."
    ]


# --- update_connection ---------------------------------------------------------------------------------


async def test_update_changes_name_notes_and_redirect_uris_and_audits_which_fields_changed(services):
    ada = await make_user(services, "ada", admin=True)
    issued = await make_oauth_client(services, owner=ada)
    async with services.transaction() as session:
        connection = await Connections(session).get(issued.connection.id)
        changed = await connections.update_connection(
            session,
            services.clock(),
            connection,
            name="Acme CRM (prod)",
            notes="Owned by the sales team.",
            redirect_uris=["https://app.example.com/callback", "https://app.example.com/v2/callback"],
            actor_id=ada.id,
        )
    assert changed == ["name", "notes", "redirect_uris"]
    async with services.transaction() as session:
        stored = await Connections(session).get(issued.connection.id)
    assert stored.name == "Acme CRM (prod)"
    assert stored.notes == "Owned by the sales team."
    assert stored.redirect_uris == ["https://app.example.com/callback", "https://app.example.com/v2/callback"]
    [event] = await audit_events(services, "connection.updated")
    assert (event.connection_id, event.user_id, event.detail) == (stored.id, ada.id, {"changed": changed})


async def test_saving_the_same_values_changes_and_audits_nothing(services):
    issued = await make_oauth_client(services)
    async with services.transaction() as session:
        connection = await Connections(session).get(issued.connection.id)
        changed = await connections.update_connection(
            session,
            services.clock(),
            connection,
            name=connection.name,
            notes="",
            redirect_uris=list(connection.redirect_uris),
        )
    assert changed == []
    assert await audit_events(services, "connection.updated") == []


async def test_an_api_key_has_no_redirect_uris_to_change(services):
    alice = await make_user(services, "alice")
    issued = await make_api_key(services, alice)
    async with services.transaction() as session:
        connection = await Connections(session).get(issued.connection.id)
        with pytest.raises(connections.ConnectionRejected, match="Only an OAuth client has redirect URIs"):
            await connections.update_connection(
                session, services.clock(), connection, name="x", notes="", redirect_uris=["https://a.example.com/"]
            )


async def test_renaming_a_self_registered_client_keeps_the_name_it_registered_with(services):
    issued = await make_oauth_client(services, name="Claude")
    async with services.transaction() as session:
        connection = await Connections(session).get(issued.connection.id)
        connection.is_dynamic = True
        connection.registration_metadata = {"application_type": "web"}
        await connections.update_connection(session, services.clock(), connection, name="Claude (Ada)", notes="")
        await connections.update_connection(session, services.clock(), connection, name="Claude (sales)", notes="")
    async with services.transaction() as session:
        stored = await Connections(session).get(issued.connection.id)
    assert stored.name == "Claude (sales)"
    assert stored.registration_metadata == {"application_type": "web", "client_name": "Claude"}
