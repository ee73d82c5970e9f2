"""The Odoo-only tools as ``DataTool``s: methods, workflow, chatter, activities, attachments (``BusinessSource``)."""

from __future__ import annotations

from bastion.sources.port import Capability
from bastion.tools.data import business, chatter, rendering
from bastion.tools.data import schemas as s
from bastion.tools.data.data_tool import READING, DataTool
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHints

ON_RECORD_IN = {"model": s.MODEL, "id": s.RECORD_ID}
METHOD_NAME = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$", "description": "A public method name."}

BUSINESS_TOOLS: tuple[DataTool, ...] = (
    DataTool(
        "execute_method",
        "Call a model method",
        "Calls a public Odoo model method on records as you (Odoo's access rights apply), e.g. model "
        "sale.order, method action_confirm, ids [12]; args and kwargs are passed as Odoo's positional and named "
        "arguments. Private methods (leading '_') and dangerous ones (unlink, sudo, ...) are refused: use "
        "delete_records to delete. For a record's buttons prefer get_workflow_state and transition_state.",
        ToolCategory.EXECUTE,
        RiskLevel.HIGH,
        ToolHints(read_only=False, destructive=True),
        s.arguments(
            ["model", "method"],
            model=s.MODEL,
            method=METHOD_NAME,
            ids={"type": "array", "items": s.RECORD_ID, "default": []},
            args={"type": "array", "default": []},
            kwargs={"type": "object", "default": {}},
            context=s.CONTEXT,
        ),
        s.result(model=s.STRING, method=s.STRING, ids=s.INTEGERS, result=s.ANY),
        business.execute_method,
        rendering.render_method,
        Capability.METHODS,
    ),
    DataTool(
        "get_workflow_state",
        "Get a record's workflow state",
        "Shows a record's state (e.g. a sales order's 'Quotation') and the buttons you could press on it now "
        "(e.g. action_confirm 'Confirm'); press one with transition_state.",
        ToolCategory.WORKFLOW,
        RiskLevel.LOW,
        READING,
        s.arguments(["model", "id"], **ON_RECORD_IN, context=s.CONTEXT),
        s.result(**s.ON_RECORD, **s.WORKFLOW),
        business.get_workflow_state,
        rendering.render_workflow,
        Capability.WORKFLOW,
    ),
    DataTool(
        "transition_state",
        "Press a workflow button",
        "Presses one of the buttons get_workflow_state listed for the record (action, e.g. action_confirm) and "
        "returns the state it reached and the buttons offered next. Anything not offered is refused.",
        ToolCategory.WORKFLOW,
        RiskLevel.MEDIUM,
        ToolHints(read_only=False, destructive=True),
        s.arguments(["model", "id", "action"], **ON_RECORD_IN, action=METHOD_NAME, context=s.CONTEXT),
        s.result(**s.ON_RECORD, action=s.STRING, result=s.ANY, **s.WORKFLOW),
        business.transition_state,
        rendering.render_workflow,
        Capability.WORKFLOW,
    ),
    DataTool(
        "post_message",
        "Post a message on a record",
        "Posts a message in a record's chatter as you. message_type 'comment' is a message its followers may "
        "receive by email; 'notification' logs a note.",
        ToolCategory.CHATTER,
        RiskLevel.MEDIUM,
        ToolHints(read_only=False, open_world=True),
        s.arguments(
            ["model", "id", "body"],
            **ON_RECORD_IN,
            body={"type": "string", "minLength": 1, "description": "The message text (simple HTML allowed)."},
            message_type={"type": "string", "enum": ["comment", "notification"], "default": "comment"},
            context=s.CONTEXT,
        ),
        s.result(**s.ON_RECORD, message_id=s.INTEGER, message_type=s.STRING),
        chatter.post_message,
        rendering.render_message,
        Capability.CHATTER,
    ),
    DataTool(
        "read_messages",
        "Read a record's messages",
        "Reads a record's chatter messages, newest first (limit, default 50).",
        ToolCategory.CHATTER,
        RiskLevel.LOW,
        READING,
        s.arguments(["model", "id"], **ON_RECORD_IN, limit=s.LIMIT, context=s.CONTEXT),
        s.envelope(**s.ON_RECORD),
        chatter.read_messages,
        rendering.render_records,
        Capability.CHATTER,
    ),
    DataTool(
        "schedule_activity",
        "Schedule an activity",
        "Schedules an activity on a record: activity_type by name (e.g. 'To-Do', 'Call', 'Meeting'), a summary, "
        "a note, a deadline (YYYY-MM-DD, default today) and the user_id it is for (default you).",
        ToolCategory.CHATTER,
        RiskLevel.MEDIUM,
        ToolHints(read_only=False),
        s.arguments(
            ["model", "id"],
            **ON_RECORD_IN,
            activity_type={"type": "string", "minLength": 1, "default": "To-Do"},
            summary={"type": "string", "default": ""},
            note={"type": "string", "default": ""},
            deadline={"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "YYYY-MM-DD"},
            user_id={"type": ["integer", "null"], "minimum": 1, "default": None},
            context=s.CONTEXT,
        ),
        s.result(**s.ON_RECORD, activity_id=s.INTEGER, deadline=s.STRING, user_id={"type": ["integer", "null"]}),
        chatter.schedule_activity,
        rendering.render_activity,
        Capability.ACTIVITIES,
    ),
    DataTool(
        "read_activities",
        "Read a record's activities",
        "Lists the activities scheduled on a record: type, summary, deadline and who they are for.",
        ToolCategory.CHATTER,
        RiskLevel.LOW,
        READING,
        s.arguments(["model", "id"], **ON_RECORD_IN, context=s.CONTEXT),
        s.envelope(**s.ON_RECORD),
        chatter.read_activities,
        rendering.render_records,
        Capability.ACTIVITIES,
    ),
    DataTool(
        "list_attachments",
        "List a record's attachments",
        "Lists the files attached to a record (id, name, mimetype, size); read one with read_attachment.",
        ToolCategory.CHATTER,
        RiskLevel.LOW,
        READING,
        s.arguments(["model", "id"], **ON_RECORD_IN, context=s.CONTEXT),
        s.envelope(s.ATTACHMENT_ENTRY, **s.ON_RECORD),
        chatter.list_attachments,
        rendering.render_records,
        Capability.ATTACHMENTS,
    ),
    DataTool(
        "read_attachment",
        "Read an attachment",
        "Returns one attached file (id from list_attachments) as an embedded resource: text files as text, "
        "others base64. Files over the size limit (1 MB by default) are refused.",
        ToolCategory.CHATTER,
        RiskLevel.LOW,
        READING,
        s.arguments(["id"], id=s.RECORD_ID, context=s.CONTEXT),
        s.result(attachment=s.ATTACHMENT_ENTRY, resource=s.RESOURCE),
        chatter.read_attachment,
        rendering.render_attachment,
        Capability.ATTACHMENTS,
        rendering.attachment_resources,
    ),
)
