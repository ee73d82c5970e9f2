"""What ``bastion source`` and the Odoo-link commands of ``bastion users`` print for a person (see ``cli/text.py``)."""

from __future__ import annotations

from typing import Any

from bastion.cli.text import NONE_SHOWN, when

SOURCE_KINDS = {"demo": "the embedded demo company", "sql": "a SQL database", "odoo": "Odoo"}
ODOO_MODES = {
    "per_user": "per user: every call runs as the caller's own linked Odoo account",
    "service": "service account: every call runs as one integration login",
}


def source_text(shown: dict[str, Any]) -> str:
    """``source show`` and ``source set-*``, from ``json_shapes.source_settings``."""
    kind = shown["kind"]
    fields = [("Source", SOURCE_KINDS.get(kind, kind))]
    if kind == "demo":
        fields.append(("Access", "read-only"))
    if kind == "sql":
        fields += [
            ("URL", shown["url"] + ("   (password kept sealed)" if shown["has_secret"] else "")),
            ("Access", "writable: tools may create, change and delete rows" if shown["writable"] else "read-only"),
        ]
    if kind == "odoo":
        fields += [
            ("URL", shown["url"]),
            ("Database", shown["database"]),
            ("Mode", ODOO_MODES.get(shown["mode"], shown["mode"])),
            ("Protocol", "chosen from the server's version" if shown["protocol"] == "auto" else shown["protocol"]),
        ]
        if shown["mode"] == "service":
            fields.append(("Service login", shown["service_login"] + "   (API key kept sealed)"))
    fields.append(("Changed", when(shown["updated_at"]) if shown["updated_at"] else "never (the default demo)"))
    width = max(len(label) for label, _ in fields)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in fields)


def source_changed(shown: dict[str, Any]) -> str:
    lines = [
        "Data source changed. Running servers use it from their next tool call.",
        "",
        source_text(shown),
        "",
        "Check it with: bastion source test",
    ]
    if shown["kind"] == "odoo" and shown["mode"] == "per_user":
        lines.append(
            "Each user then links their own Odoo account in the console (Odoo account page), or an administrator "
            "runs: bastion users link-odoo LOGIN --odoo-login ODOO_LOGIN --api-key-stdin"
        )
    return "\n".join(lines)


def source_status(status: dict[str, Any]) -> str:
    """``source test``, from ``json_shapes.source_status``."""
    identity = status["identity"] or "none (only the server was asked)"
    lines = [
        "The data source answered.",
        f"  Version   {status['version'] or NONE_SHOWN}",
        f"  Protocol  {status['protocol']}",
        f"  Identity  {identity}",
    ]
    if status["detail"]:
        lines.append(f"  Detail    {status['detail']}")
    return "\n".join(lines)


def odoo_linked(shown: dict[str, Any]) -> str:
    return (
        f"Linked {shown['login']} to the Odoo account {shown['odoo_login']!r} (verified against Odoo just now). "
        "Their tool calls now run as that Odoo user."
    )


def odoo_unlinked(shown: dict[str, Any]) -> str:
    if not shown["unlinked"]:
        return f"{shown['login']} had no linked Odoo account; nothing changed."
    return f"Unlinked the Odoo account of {shown['login']}: in per-user mode their tool calls fail until they link one."
