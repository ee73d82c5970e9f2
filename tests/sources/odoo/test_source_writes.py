"""The Odoo source's writes, on both protocols: one call per write, Odoo's rights and constraints reported."""

from __future__ import annotations

import re

import pytest

from bastion.sources.errors import AccessDenied, InvalidArguments, MissingRecords, UnknownField, ValidationFailed


async def test_create_writes_every_record_in_one_call(source, knobs, bob):
    ids = await source.create(bob, "res.partner", [{"name": "Gemini Furniture"}, {"name": "Ready Mat"}])
    assert ids == [12, 13]
    assert [c["method"] for c in knobs.calls].count("create") == 1
    assert [r["name"] for r in await source.read(bob, "res.partner", ids, ["name"])] == [
        "Gemini Furniture",
        "Ready Mat",
    ]


async def test_create_is_all_or_nothing_when_odoo_refuses_one_record(source, bob):
    with pytest.raises(ValidationFailed) as caught:
        await source.create(bob, "res.partner", [{"name": "Fine"}, {"name": "Bad", "email": "not-an-email"}])
    assert str(caught.value) == "Odoo refused create on res.partner: Invalid email address 'not-an-email'."
    assert await source.count(bob, "res.partner", [["name", "=", "Fine"]]) == 0


async def test_create_refuses_unknown_and_denied_fields_before_calling_odoo(source, bob):
    with pytest.raises(UnknownField, match=re.escape("res.partner has no field 'signup_token'")):
        await source.create(bob, "res.partner", [{"name": "X", "signup_token": "t"}])
    with pytest.raises(InvalidArguments, match=re.escape("needs at least one record")):
        await source.create(bob, "res.partner", [])


async def test_update_writes_the_values_on_every_id(source, bob):
    await source.update(bob, "res.partner", [1, 3], {"phone": "+32 2 000"})
    records = await source.read(bob, "res.partner", [1, 3], ["phone"])
    assert [r["phone"] for r in records] == ["+32 2 000", "+32 2 000"]


async def test_update_of_a_record_outside_the_users_rules_is_an_access_error(source, alice):
    with pytest.raises(AccessDenied) as caught:
        await source.update(alice, "sale.order", [2], {"note": "mine now"})
    assert str(caught.value) == (
        "Odoo refused write on sale.order: Due to security restrictions, you are not allowed to access "
        "'Sales Order' (sale.order) records."
    )


async def test_update_of_a_missing_record_says_odoo_could_not_find_it(source, bob):
    with pytest.raises(MissingRecords) as caught:
        await source.update(bob, "res.partner", [404], {"phone": "1"})
    assert str(caught.value) == (
        "Odoo says the records of res.partner do not exist (or were deleted): Record does not exist or has been "
        "deleted. (Record: res.partner(404,), User: 2)."
    )


async def test_a_validation_error_on_update_is_a_validation_failure(source, bob):
    with pytest.raises(ValidationFailed, match=re.escape("Invalid email address 'nope'")):
        await source.update(bob, "res.partner", [1], {"email": "nope"})


async def test_delete_follows_odoos_rights_for_each_user(source, alice, bob):
    with pytest.raises(AccessDenied, match=re.escape("You are not allowed to delete 'Contact' (res.partner) records")):
        await source.delete(alice, "res.partner", [9])
    await source.delete(bob, "res.partner", [9])
    assert await source.count(bob, "res.partner", [["id", "=", 9]]) == 0
