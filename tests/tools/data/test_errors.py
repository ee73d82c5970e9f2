"""Every ``SourceError`` reaches the caller as a ``ToolError`` with the source's own sentence, nothing more."""

from __future__ import annotations

import re

import pytest

from bastion.sources import errors
from bastion.tools.data.reading import count_records, describe_model, search_records
from bastion.tools.data.writing import update_records
from bastion.tools.registry import ToolError

SOURCE_ERRORS = [
    errors.SourceError("The source could not do that."),
    errors.UnknownModel("There is no model 'res.partnr'; list_models shows the models you may use."),
    errors.UnknownField("The model res.partner has no field 'x'."),
    errors.InvalidDomain("The operator 'child_of' needs a hierarchy."),
    errors.InvalidArguments("The order 'x desc' is not sortable."),
    errors.AccessDenied("You may not read Sales Orders (Odoo access rights)."),
    errors.ReadOnlySource("This data source is read-only."),
    errors.MissingRecords("No res.partner record has the id(s) 99."),
    errors.ValidationFailed("The field 'name' is required."),
    errors.CredentialRejected("Odoo refused your API key: link your Odoo account again at /console/account."),
    errors.NotLinked("Link your Odoo account at /console/account first."),
    errors.SourceUnavailable("Odoo did not answer within 10 seconds."),
]


@pytest.mark.parametrize("error", SOURCE_ERRORS, ids=lambda error: type(error).__name__)
async def test_a_source_error_becomes_a_tool_error_with_its_sentence(env, source, error):
    source.fail_next = error
    with pytest.raises(ToolError) as raised:
        await search_records(env, "res.partner")
    assert str(raised.value) == str(error)
    assert raised.value.__cause__ is error


@pytest.mark.parametrize("error", SOURCE_ERRORS[:3], ids=lambda error: type(error).__name__)
async def test_source_errors_are_translated_in_every_kind_of_tool(env, source, error):
    for call in (
        lambda: describe_model(env, "res.partner"),
        lambda: count_records(env, "res.partner"),
        lambda: update_records(env, "res.partner", [1], {"name": "x"}, dry_run=True),
    ):
        source.fail_next = error
        with pytest.raises(ToolError, match=f"^{re.escape(str(error))}$"):
            await call()


async def test_an_unknown_model_says_so_from_the_source(env):
    with pytest.raises(ToolError) as raised:
        await search_records(env, "res.partnr")
    assert str(raised.value) == "There is no model 'res.partnr'; list_models shows the models you may use."
