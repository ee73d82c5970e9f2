"""Workflow buttons from a form arch, in Odoo's three visibility dialects (plain functions, no HTTP)."""

from __future__ import annotations

from bastion.sources.odoo.workflow import domain_matches, evaluate, header_buttons, offered
from bastion.sources.port import Transition

LEGACY_FORM = """<form><header>
  <button name="action_confirm" type="object" string="Confirm" states="draft,sent"/>
  <button name="action_done" type="object" string="Lock" attrs="{'invisible': [('state', 'not in', ['sale'])]}"/>
  <button name="action_either" type="object" string="Either"
          attrs="{'invisible': ['|', ('state', '=', 'cancel'), ('locked', '=', True)]}"/>
  <button name="_private" type="object" string="Hidden"/>
  <button name="%(some_action)d" type="action" string="Wizard"/>
</header><sheet><button name="action_view_invoice" type="object" string="Invoices"/></sheet></form>"""


def test_only_object_buttons_of_the_header_are_workflow_buttons():
    assert [b.action for b in header_buttons(LEGACY_FORM)] == ["action_confirm", "action_done", "action_either"]


def test_a_form_without_header_offers_its_object_buttons():
    arch = '<form><sheet><button name="action_open" type="object" string="Open"/></sheet></form>'
    assert offered(header_buttons(arch), {}) == (Transition("action_open", "Open"),)


def test_states_and_attrs_hide_buttons_on_older_odoo():
    buttons = header_buttons(LEGACY_FORM)
    assert [t.action for t in offered(buttons, {"state": "draft", "locked": False})] == [
        "action_confirm",
        "action_either",
    ]
    assert [t.action for t in offered(buttons, {"state": "sale", "locked": True})] == ["action_done"]


def test_modern_invisible_expressions_are_evaluated_on_the_record():
    assert evaluate("state not in ('draft', 'sent')", {"state": "sale"}) is True
    assert evaluate("state == 'draft' and not locked", {"state": "draft", "locked": False}) is True
    assert evaluate("amount_total > 100 or partner_id == 3", {"amount_total": 5, "partner_id": [3, "Azure"]}) is True


def test_a_condition_that_cannot_be_evaluated_keeps_the_button():
    arch = """<form><header>
      <button name="action_a" type="object" string="A" invisible="context.get('hide')"/>
      <button name="action_b" type="object" string="B" invisible="unknown_field"/>
    </header></form>"""
    assert [t.action for t in offered(header_buttons(arch), {"state": "draft"})] == ["action_a", "action_b"]


def test_attrs_domains_support_prefix_operators():
    assert domain_matches(["!", ("state", "=", "draft")], {"state": "sale"}) is True
    assert (
        domain_matches(["&", ("state", "=", "sale"), ("locked", "=", False)], {"state": "sale", "locked": True})
        is False
    )
