"""The tool catalog's rules without HTTP: listing with switches, switching on and off, refusals, the audit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bastion.sources.port import Capability
from bastion.store.models import ToolSwitch
from bastion.tools.availability import Availability, ToolAvailability
from bastion.tools.registry import ToolRegistry
from bastion.tools.switches import (
    SwitchRefused,
    catalog,
    first_sentence,
    inactive_tools,
    set_tool_active,
)
from bastion.tools.whoami import WHOAMI
from tests.mcp.helpers import SET_NOTE, audit_events, make_member


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry([WHOAMI, SET_NOTE])


async def switch(services, registry, name: str, active: bool, actor_id: int | None = None):
    async with services.transaction() as session:
        return await set_tool_active(session, services.clock(), registry, name, active, actor_id=actor_id)


async def inactive(services) -> frozenset[str]:
    async with services.transaction() as session:
        return await inactive_tools(session)


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("Saves a note (test-only write tool).", "Saves a note (test-only write tool)."),
        ("Counts records. Use it before reading.", "Counts records."),
        ("Lists models, e.g. res.partner. Then more.", "Lists models, e.g. res.partner."),
        ("Finds records, i.e. rows. Pages.", "Finds records, i.e. rows."),
        ("Shows a state (draft. sale) and buttons. Then.", "Shows a state (draft. sale) and buttons."),
        ("Asks! Answers.", "Asks!"),
        ("No full stop", "No full stop"),
        ("  Asks? Then answers.", "Asks?"),
    ],
)
def test_the_catalog_shows_the_first_sentence_of_a_description(text, sentence):
    assert first_sentence(text) == sentence


async def test_a_tool_without_a_switch_row_is_active(services, registry):
    assert await inactive(services) == frozenset()
    entries = catalog(registry, await inactive(services))
    assert [(entry.name, entry.active) for entry in entries] == [("set_note", True), ("whoami", True)]
    note = entries[0]
    assert (note.title, note.category, note.risk, note.required_scope) == ("Set a note", "write", "medium", "mcp:write")
    assert note.can_switch_off is True
    assert entries[1].can_switch_off is False


async def test_switching_a_tool_off_stores_the_switch_and_audits_who_did_it(services, registry, clock):
    admin = await make_member(services, "ada", admin=True)
    change = await switch(services, registry, "set_note", False, admin.id)
    assert (change.name, change.active, change.changed) == ("set_note", False, True)
    assert await inactive(services) == frozenset({"set_note"})
    async with services.transaction() as session:
        row = await session.get(ToolSwitch, "set_note")
        assert (row.active, row.updated_by, row.updated_at) == (False, admin.id, clock())
    [disabled] = await audit_events(services, "tool.disabled")
    assert (disabled.user_id, disabled.detail) == (admin.id, {"tool": "set_note"})
    assert [entry.active for entry in catalog(registry, await inactive(services))] == [False, True]


async def test_switching_a_tool_on_again_is_audited_as_enabled(services, registry):
    await switch(services, registry, "set_note", False)
    change = await switch(services, registry, "set_note", True)
    assert change.changed is True
    assert await inactive(services) == frozenset()
    [enabled] = await audit_events(services, "tool.enabled")
    assert (enabled.user_id, enabled.detail) == (None, {"tool": "set_note"})


async def test_switching_a_tool_to_the_state_it_is_in_changes_and_audits_nothing(services, registry):
    assert (await switch(services, registry, "set_note", True)).changed is False
    await switch(services, registry, "set_note", False)
    assert (await switch(services, registry, "set_note", False)).changed is False
    assert len(await audit_events(services, "tool.disabled")) == 1
    assert await audit_events(services, "tool.enabled") == []


async def test_an_unknown_tool_name_is_refused_with_where_to_see_the_names(services, registry):
    with pytest.raises(SwitchRefused) as refused:
        await switch(services, registry, "drop_database", False)
    assert str(refused.value) == (
        "There is no tool named 'drop_database'; `bastion tools list` (or the console's Tools page) "
        "shows every tool's name."
    )
    assert await inactive(services) == frozenset()


async def test_whoami_cannot_be_switched_off_but_switching_it_on_is_harmless(services, registry):
    with pytest.raises(SwitchRefused) as refused:
        await switch(services, registry, "whoami", False)
    assert str(refused.value).startswith("The tool 'whoami' cannot be switched off: it is the session tool clients")
    assert await inactive(services) == frozenset()
    assert (await switch(services, registry, "whoami", True)).changed is False


async def test_the_mcp_server_helpers_leave_out_and_refuse_only_switched_off_tools(services, registry):
    availability = ToolAvailability(services.transaction, services.sources)
    set_note = registry.get("set_note")
    assert (await availability.read([set_note])).refusal(set_note) is None
    await switch(services, registry, "set_note", False)
    now = await availability.read(registry)
    assert [spec.name for spec in now.offered(registry)] == ["whoami"]
    assert now.refusal(registry.get("whoami")) is None
    assert now.refusal(set_note) == (
        "The tool 'set_note' is switched off: an administrator switched it off in Bastion's tool catalog. "
        "Use another tool (tools/list shows the ones available), or ask your administrator to switch it on."
    )


def test_a_tool_the_source_cannot_serve_is_left_out_and_refused_with_the_capability_it_needs(registry):
    writes = replace(registry.get("set_note"), name="create_note", required_capability=Capability.WRITE)
    read_only_source = Availability(inactive=frozenset(), capabilities=frozenset())
    writable_source = Availability(inactive=frozenset(), capabilities=frozenset({Capability.WRITE}))

    assert read_only_source.offered([writes, registry.get("whoami")]) == [registry.get("whoami")]
    assert read_only_source.refusal(writes) == (
        "The tool 'create_note' is not available on this data source: it needs write, which the source does not "
        "offer (a SQL source is read-only unless the administrator made it writable; workflow, chatter and "
        "methods need Odoo). Call tools/list for the tools you can use."
    )
    assert writable_source.refusal(writes) is None
