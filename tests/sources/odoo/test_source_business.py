"""Methods, workflow, chatter, activities and attachments on the Odoo source, on both protocols."""

from __future__ import annotations

import re

import pytest

from bastion.sources.errors import AccessDenied, InvalidArguments, MissingRecords, UnknownModel, ValidationFailed
from bastion.sources.port import Transition


async def test_the_workflow_state_offers_the_buttons_the_user_could_press(source, alice, bob):
    mine = await source.workflow_state(alice, "sale.order", 1)
    assert (mine.state_field, mine.state, mine.state_label) == ("state", "draft", "Quotation")
    assert mine.transitions == (
        Transition("action_confirm", "Confirm"),
        Transition("action_quotation_send", "Send by Email"),
    )
    admin = await source.workflow_state(bob, "sale.order", 1)
    assert [t.action for t in admin.transitions] == ["action_confirm", "action_quotation_send", "action_cancel"]


async def test_a_cancelled_order_offers_only_set_to_quotation(source, bob):
    state = await source.workflow_state(bob, "sale.order", 4)
    assert state.state_label == "Cancelled"
    assert state.transitions == (Transition("action_draft", "Set to Quotation"),)


async def test_a_model_without_state_has_no_workflow(source, bob):
    with pytest.raises(InvalidArguments) as caught:
        await source.workflow_state(bob, "res.partner", 1)
    assert str(caught.value) == "res.partner has no 'state' selection field, so it has no workflow to show."


async def test_transition_presses_an_offered_button(source, alice):
    assert await source.transition(alice, "sale.order", 1, "action_confirm") is True
    state = await source.workflow_state(alice, "sale.order", 1)
    assert state.state == "sale"


async def test_transition_refuses_a_button_that_is_not_offered(source, knobs, alice):
    with pytest.raises(InvalidArguments) as caught:
        await source.transition(alice, "sale.order", 1, "action_cancel")
    assert str(caught.value) == (
        "'action_cancel' is not a transition offered on sale.order 1 in state 'draft'; "
        "offered now: action_confirm, action_quotation_send."
    )
    assert not any(c["method"] == "action_cancel" for c in knobs.calls)


async def test_call_method_runs_a_public_method_as_the_user(source, bob):
    result = await source.call_method(bob, "sale.order", "action_quotation_send", [1], [], {})
    assert result == {"type": "ir.actions.act_window", "res_model": "mail.compose.message"}


async def test_call_method_reports_odoos_user_error(source, bob):
    with pytest.raises(ValidationFailed) as caught:
        await source.call_method(bob, "sale.order", "action_draft", [1], [], {})
    assert caught.value.code == "validation_failed"
    assert str(caught.value) == (
        "Odoo refused action_draft on sale.order: Some orders are not in a state requiring this action."
    )


@pytest.mark.parametrize("method", ["_action_confirm", "__init__", "_read"])
async def test_call_method_never_calls_a_private_method(source, knobs, bob, method):
    with pytest.raises(AccessDenied) as caught:
        await source.call_method(bob, "sale.order", method, [1], [], {})
    assert str(caught.value) == (
        f"{method!r} is a private method of sale.order; only public methods (no leading '_') can be called."
    )
    assert knobs.calls == []


async def test_call_method_sends_crud_to_the_tools_that_preview_them(source, bob):
    with pytest.raises(AccessDenied) as caught:
        await source.call_method(bob, "res.partner", "unlink", [9], [], {})
    assert str(caught.value) == (
        "res.partner.unlink cannot be called through execute_method; use create_record, update_records "
        "or delete_records, which preview the change first."
    )


@pytest.mark.parametrize("method", ["sudo", "with_user", "with_context", "invalidate_model", "change_password"])
async def test_call_method_refuses_identity_switches_and_internals(source, bob, method):
    with pytest.raises(AccessDenied, match=re.escape(f"res.partner.{method} is on Bastion's denylist")):
        await source.call_method(bob, "res.partner", method, [1], [], {})


async def test_call_method_refuses_a_denylisted_model(source, bob):
    with pytest.raises(UnknownModel, match=re.escape("Odoo has no model 'ir.config_parameter' you can use")):
        await source.call_method(bob, "ir.config_parameter", "get_param", [], [], {"key": "database.secret"})


async def test_a_method_odoo_does_not_have_is_named(source, bob):
    with pytest.raises(InvalidArguments, match=re.escape("Odoo has no method action_fly on sale.order")):
        await source.call_method(bob, "sale.order", "action_fly", [1], [], {})


async def test_post_message_then_read_messages_newest_first(source, bob):
    message_id = await source.post_message(bob, "sale.order", 2, "Delivery moved to Friday")
    messages = await source.read_messages(bob, "sale.order", 2, limit=10)
    assert messages[0]["id"] == message_id
    assert messages[0]["body"] == "<p>Delivery moved to Friday</p>"
    assert messages[0]["author_id"] == [11, "Bob Admin"]
    assert [m["id"] for m in messages] == [message_id, 2]


async def test_messages_of_an_order_the_user_cannot_see_are_not_shown(source, alice):
    assert await source.read_messages(alice, "sale.order", 2, limit=10) == []
    with pytest.raises(AccessDenied, match=re.escape("Odoo refused message_post on sale.order")):
        await source.post_message(alice, "sale.order", 2, "hello")


async def test_post_message_refuses_an_unknown_message_type(source, bob):
    with pytest.raises(InvalidArguments) as caught:
        await source.post_message(bob, "sale.order", 2, "x", message_type="email")
    assert str(caught.value) == "message_type must be one of comment, notification, not 'email'."


@pytest.mark.parametrize("activity_type", ["To-Do", "to-do", "mail.mail_activity_data_todo"])
async def test_schedule_activity_resolves_the_type_by_name_or_xml_id(source, bob, activity_type):
    activity_id = await source.schedule_activity(
        bob,
        "sale.order",
        2,
        activity_type=activity_type,
        summary="Check delivery",
        note="",
        deadline="2025-03-10",
        user_id=None,
    )
    activities = await source.read_activities(bob, "sale.order", 2)
    assert [a["id"] for a in activities] == [1, activity_id]
    assert activities[1]["activity_type_id"] == [4, "To-Do"]
    assert activities[1]["user_id"] == [2, "Bob Admin"]


async def test_schedule_activity_names_an_unknown_type(source, bob):
    with pytest.raises(InvalidArguments) as caught:
        await source.schedule_activity(
            bob, "sale.order", 2, activity_type="Meeting", summary="", note="", deadline="2025-03-10", user_id=None
        )
    assert str(caught.value).startswith("no activity type 'Meeting'; use a name such as 'To-Do'")


async def test_activities_follow_the_users_rules(source, alice, bob):
    assert await source.read_activities(alice, "sale.order", 2) == []
    assert [a["summary"] for a in await source.read_activities(bob, "sale.order", 2)] == ["Call about delivery"]


async def test_attachments_are_listed_and_read_within_the_size_limit(source, alice):
    (listed,) = await source.list_attachments(alice, "sale.order", 1)
    assert (listed.id, listed.name, listed.mimetype, listed.data) == (1, "quotation.pdf", "application/pdf", None)
    attachment = await source.read_attachment(alice, 1, max_bytes=10_000)
    assert attachment.data.startswith(b"%PDF-1.4") and attachment.size == listed.size


async def test_an_attachment_over_the_limit_is_refused_with_its_size(source, bob):
    with pytest.raises(InvalidArguments) as caught:
        await source.read_attachment(bob, 1, max_bytes=100)
    assert str(caught.value) == "attachment 1 (quotation.pdf) is 228 bytes, over the 100-byte limit."


async def test_an_attachment_of_a_hidden_record_is_missing_for_that_user(source, alice):
    assert await source.list_attachments(alice, "sale.order", 2) == []
    with pytest.raises(MissingRecords, match=re.escape("no attachment with id 2 (or you may not see it).")):
        await source.read_attachment(alice, 2, max_bytes=10_000)


async def test_chatter_tools_name_the_document_model_not_mail_models(source, bob):
    with pytest.raises(UnknownModel, match=re.escape("'mail.message' is not a business document")):
        await source.read_messages(bob, "mail.message", 1, limit=5)
