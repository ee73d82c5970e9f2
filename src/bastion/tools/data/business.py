"""Odoo's business layer: public model methods and workflow (a record's state and the buttons that move it)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.port import Capability, WorkflowState
from bastion.tools.data.env import DataToolEnv, business_source, refuse_on_read_only_connection, source_errors
from bastion.tools.data.paging import jsonable
from bastion.tools.registry import ToolError

Context = Mapping[str, Any] | None
_PUBLIC_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def check_public_name(name: str, what: str) -> None:
    """Odoo's rule: a name starting with ``_`` is private and never callable over RPC."""
    if name.startswith("_"):
        raise ToolError(
            f"{what} {name!r} is private (it starts with '_') and can never be called; "
            "use a public method such as action_confirm (get_workflow_state lists the buttons of a record)."
        )
    if not _PUBLIC_NAME.match(name):
        raise ToolError(f"{what} {name!r} is not a method name: use letters, digits and '_', e.g. action_confirm.")


async def execute_method(
    env: DataToolEnv,
    model: str,
    method: str,
    ids: Sequence[int] = (),
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    context: Context = None,
) -> dict[str, Any]:
    refuse_on_read_only_connection(env, "execute_method")
    check_public_name(method, "method")
    if len(ids) > env.max_limit:
        raise ToolError(f"{len(ids)} ids is over the maximum of {env.max_limit} per call: split them into batches.")
    source = business_source(env, Capability.METHODS, "call model methods")
    with source_errors():
        result = await source.call_method(
            env.identity, model, method, list(ids), list(args), dict(kwargs or {}), context=context
        )
    return {"model": model, "method": method, "ids": list(ids), "result": jsonable(result)}


def state_entry(state: WorkflowState) -> dict[str, Any]:
    return {
        "state_field": state.state_field,
        "state": state.state,
        "state_label": state.state_label,
        "transitions": [{"action": step.action, "label": step.label} for step in state.transitions],
    }


async def get_workflow_state(env: DataToolEnv, model: str, id: int, context: Context = None) -> dict[str, Any]:
    source = business_source(env, Capability.WORKFLOW, "show workflow states")
    with source_errors():
        state = await source.workflow_state(env.identity, model, id, context=context)
    return {"model": model, "id": id, **state_entry(state)}


async def transition_state(
    env: DataToolEnv, model: str, id: int, action: str, context: Context = None
) -> dict[str, Any]:
    refuse_on_read_only_connection(env, "transition_state")
    check_public_name(action, "action")
    source = business_source(env, Capability.WORKFLOW, "move records through their workflow")
    with source_errors():
        result = await source.transition(env.identity, model, id, action, context=context)
        # The state the record reached, so the caller sees the effect and the next buttons without asking.
        after = await source.workflow_state(env.identity, model, id, context=context)
    return {"model": model, "id": id, "action": action, "result": jsonable(result), **state_entry(after)}
