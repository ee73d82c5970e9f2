"""Odoo's business layer through the tools: methods, workflow, chatter, activities and attachments."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from bastion.sources.port import BusinessSource
from bastion.tools.data.business import execute_method, get_workflow_state, transition_state
from bastion.tools.data.chatter import (
    list_attachments,
    post_message,
    read_activities,
    read_attachment,
    read_messages,
    schedule_activity,
)
from bastion.tools.registry import ToolError
from tests.tools.data.fake_business import FakeBusinessSource


@pytest.fixture
def odoo() -> FakeBusinessSource:
    return FakeBusinessSource()


@pytest.fixture
def benv(env, odoo):
    return replace(env, source=odoo)


def test_the_fake_business_source_is_a_business_source(odoo):
    assert isinstance(odoo, BusinessSource)


async def test_workflow_state_lists_the_buttons_and_a_transition_reports_the_new_state(benv):
    state = await get_workflow_state(benv, "sale.order", 3)
    assert state == {
        "model": "sale.order", "id": 3, "state_field": "state", "state": "draft", "state_label": "Quotation",
        "transitions": [{"action": "action_confirm", "label": "Confirm"},
                        {"action": "action_cancel", "label": "Cancel"}],
    }  # fmt: skip
    moved = await transition_state(benv, "sale.order", 3, "action_confirm")
    assert (moved["result"], moved["state"], moved["state_label"]) == (True, "sale", "Sales Order")
    assert moved["transitions"] == [{"action": "action_cancel", "label": "Cancel"}]


async def test_a_button_the_record_does_not_offer_is_refused_by_the_source(benv):
    with pytest.raises(ToolError, match="'action_draft' is not a button of this record in the state 'draft'"):
        await transition_state(benv, "sale.order", 3, "action_draft")


async def test_private_methods_are_refused_before_any_io(benv, odoo):
    with pytest.raises(ToolError) as refused:
        await execute_method(benv, "res.partner", "_compute_display_name", [1])
    assert str(refused.value) == (
        "method '_compute_display_name' is private (it starts with '_') and can never be called; use a public "
        "method such as action_confirm (get_workflow_state lists the buttons of a record)."
    )
    with pytest.raises(ToolError, match="action '__init__' is private"):
        await transition_state(benv, "sale.order", 3, "__init__")
    with pytest.raises(ToolError, match="method 'name get' is not a method name"):
        await execute_method(benv, "res.partner", "name get", [1])
    assert odoo.calls == []


async def test_execute_method_returns_what_the_method_returned_as_json(benv):
    result = await execute_method(benv, "res.partner", "name_get", [1, 2])
    assert result == {
        "model": "res.partner",
        "method": "name_get",
        "ids": [1, 2],
        "result": [[1, "Azure Interior"], [2, "Deco Addict"]],
    }


async def test_a_denylisted_method_is_refused_by_the_source_with_its_sentence(benv):
    with pytest.raises(ToolError, match=r"^The method 'unlink' may not be called through Bastion\.$"):
        await execute_method(benv, "res.partner", "unlink", [1])


async def test_messages_are_posted_and_read_back_newest_first_with_a_paging_envelope(benv):
    first = await post_message(benv, "res.partner", 1, "Called about the renewal.")
    second = await post_message(benv, "res.partner", 1, "Sent the quote.", message_type="notification")
    assert first == {"model": "res.partner", "id": 1, "message_id": 101, "message_type": "comment"}
    page = await read_messages(benv, "res.partner", 1, limit=1)
    assert [message["id"] for message in page["records"]] == [second["message_id"]]
    assert (page["total"], page["has_more"], page["next_offset"]) == (None, True, None)
    everything = await read_messages(benv, "res.partner", 1)
    assert (len(everything["records"]), everything["total"], everything["has_more"]) == (2, 2, False)


async def test_an_empty_message_is_refused_before_any_io(benv, odoo):
    with pytest.raises(ToolError, match="body is empty"):
        await post_message(benv, "res.partner", 1, "  ")
    assert odoo.calls == []


async def test_an_activity_without_a_deadline_is_due_today_by_the_clock(benv):
    scheduled = await schedule_activity(benv, "res.partner", 1, summary="Call back")
    assert scheduled == {"model": "res.partner", "id": 1, "activity_id": 101, "deadline": "2026-03-15", "user_id": None}
    listed = await read_activities(benv, "res.partner", 1)
    assert listed["records"] == [
        {"id": 101, "activity_type_id": [1, "To-Do"], "summary": "Call back", "date_deadline": "2026-03-15",
         "user_id": [1, "alice"]}
    ]  # fmt: skip
    assert (listed["total"], listed["has_more"]) == (1, False)


async def test_a_deadline_that_is_not_a_date_is_refused_with_the_format(benv, odoo):
    with pytest.raises(ToolError) as refused:
        await schedule_activity(benv, "res.partner", 1, deadline="next friday")
    assert str(refused.value) == "deadline 'next friday' is not a date: give it as YYYY-MM-DD, e.g. 2026-03-31."
    assert odoo.calls == []


async def test_attachments_are_listed_without_their_content(benv, odoo):
    odoo.attach("res.partner", 1, "contract.pdf", "application/pdf", b"%PDF-1.7 ...")
    listed = await list_attachments(benv, "res.partner", 1)
    assert listed["records"] == [{"id": 101, "name": "contract.pdf", "mimetype": "application/pdf", "size": 12}]


async def test_a_binary_attachment_is_read_as_a_base64_resource(benv, odoo):
    pdf = odoo.attach("res.partner", 1, "contract 2026.pdf", "application/pdf", b"%PDF-1.7 ...")
    result = await read_attachment(benv, pdf.id)
    assert result == {
        "attachment": {"id": pdf.id, "name": "contract 2026.pdf", "mimetype": "application/pdf", "size": 12},
        "resource": {
            "uri": f"bastion://attachments/{pdf.id}/contract%202026.pdf",
            "mimeType": "application/pdf",
            "blob": base64.b64encode(b"%PDF-1.7 ...").decode(),
        },
    }


async def test_a_text_attachment_is_read_as_text(benv, odoo):
    notes = odoo.attach("res.partner", 1, "notes.txt", "text/plain", "Prix: 12 €".encode())
    result = await read_attachment(benv, notes.id)
    assert result["resource"]["text"] == "Prix: 12 €" and "blob" not in result["resource"]


async def test_an_attachment_over_the_size_limit_is_refused_with_its_size(benv, odoo):
    big = odoo.attach("res.partner", 1, "scan.png", "image/png", b"x" * 2048)
    with pytest.raises(ToolError) as refused:
        await read_attachment(replace(benv, max_attachment_bytes=1024), big.id)
    assert str(refused.value) == (
        "The attachment 'scan.png' is 2048 bytes, over the 1024-byte limit of read_attachment: "
        "open it in the source's own interface instead."
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda env: get_workflow_state(env, "sale.order", 1),
        lambda env: read_messages(env, "sale.order", 1),
        lambda env: read_activities(env, "sale.order", 1),
        lambda env: list_attachments(env, "sale.order", 1),
        lambda env: read_attachment(env, 1),
    ],
)
async def test_a_source_without_the_business_layer_says_so(env, call):
    with pytest.raises(ToolError, match=r"^This data source \(fake\) cannot .+: that needs Odoo's business layer"):
        await call(env)


@pytest.mark.parametrize(
    "call",
    [
        lambda env: execute_method(env, "sale.order", "action_confirm", [3]),
        lambda env: transition_state(env, "sale.order", 3, "action_confirm"),
        lambda env: post_message(env, "sale.order", 3, "hello"),
        lambda env: schedule_activity(env, "sale.order", 3),
    ],
)
async def test_business_writes_are_refused_on_a_read_only_connection(benv, odoo, call):
    with pytest.raises(ToolError, match=r"^This connection is read-only, so \w+ is refused"):
        await call(replace(benv, read_only=True))
    assert odoo.calls == []
