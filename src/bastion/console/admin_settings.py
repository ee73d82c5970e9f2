"""Server Settings: the MCP master switch, counters, and every runtime setting in one all-or-nothing form.

Values are checked by ``bastion.server_settings`` and stored by ``bastion.settings_changes.apply_settings``,
the same function ``bastion settings set`` calls, so each change is audited as ``settings.changed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.console.pages import ConsolePages, field, read_form
from bastion.console.paths import SETTINGS_PATH
from bastion.console.refusals import Refusal
from bastion.server_settings import SETTING_SPECS, SWITCHED_OFF_MESSAGE, ServerSettings, SettingSpec
from bastion.settings_changes import SettingsRejected, apply_settings
from bastion.store.repositories import AuditLog, Connections, Tokens

COUNTER_WINDOW = timedelta(days=7)
DURATION_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def describe_seconds(seconds: int) -> str:
    """A number of seconds in words: 3600 → "1 hour", 5400 → "1 hour 30 minutes", 90061 → "about 1 day 1 hour"."""
    if seconds <= 0:
        return "0 seconds"
    parts = []
    rest = seconds
    for name, size in DURATION_UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    shown = " ".join(parts[:2])
    return shown if len(parts) <= 2 else f"about {shown}"


def describe_value(spec: SettingSpec, value: int) -> str:
    """A value with its unit in words, e.g. "604,800 seconds (7 days)", "30 seconds", "1 day" or "20,000"."""
    if spec.unit == "seconds" and value >= 60:
        return f"{value:,} seconds ({describe_seconds(value)})"
    unit = spec.unit.removesuffix("s") if value == 1 else spec.unit
    return f"{value:,} {unit}".rstrip()


@dataclass(frozen=True)
class SettingField:
    """One field of the settings form: a runtime setting with the words a person reads next to it."""

    key: str
    label: str
    help: str

    @property
    def spec(self) -> SettingSpec:
        return SETTING_SPECS[self.key]

    @property
    def is_switch(self) -> bool:
        return self.spec.kind is bool

    @property
    def is_hosts(self) -> bool:
        return self.spec.kind is tuple

    @property
    def in_seconds(self) -> bool:
        return self.spec.unit == "seconds"

    @property
    def bounds(self) -> str:
        spec = self.spec
        if spec.minimum is None or spec.maximum is None:
            raise ValueError(f"the form shows numbers with both bounds only; {spec.key} lacks one")
        return f"From {describe_value(spec, spec.minimum)} to {describe_value(spec, spec.maximum)}."

    @property
    def default(self) -> str:
        spec = self.spec
        if self.is_switch:
            return "on" if spec.default else "off"
        if self.is_hosts:
            return " ".join(spec.default) or "empty (any host)"
        return describe_value(spec, spec.default)

    def problem(self, raw: str) -> str:
        """What is wrong with a refused value, in the words of the form rather than the setting's key."""
        spec = self.spec
        if self.is_hosts:
            return (
                "Enter host names such as claude.ai chatgpt.com, separated by spaces or commas "
                "(no https://, path or port)."
            )
        unit = spec.unit or "requests"
        try:
            value = int(raw.strip())
        except ValueError:
            return f"Enter a whole number of {unit}. {self.bounds}"
        side = "small" if spec.minimum is not None and value < spec.minimum else "large"
        return f"{value} is too {side}. {self.bounds}"


@dataclass(frozen=True)
class SettingGroup:
    heading: str
    intro: str
    fields: tuple[SettingField, ...]


SETTING_GROUPS = (
    SettingGroup(
        "Token lifetimes",
        "How long the credentials the authorization server issues stay valid. Shorter is safer; "
        "clients refresh access tokens on their own.",
        (
            SettingField(
                "access_token_ttl_seconds", "Access token lifetime", "How long an access token works at /mcp."
            ),
            SettingField(
                "refresh_token_ttl_seconds",
                "Refresh token lifetime",
                "How long a tool may keep getting new access tokens without the person signing in again.",
            ),
            SettingField(
                "refresh_grace_seconds",
                "Refresh grace window",
                "After a refresh, the previous refresh token is still accepted once for this long, "
                "in case the answer was lost on the way. 0 turns the grace off.",
            ),
            SettingField(
                "auth_code_ttl_seconds",
                "Authorization code lifetime",
                "How long the code from the sign-in page may wait before the tool exchanges it (at most 10 minutes).",
            ),
        ),
    ),
    SettingGroup(
        "Self-registration",
        "Browser-login tools (claude.ai, ChatGPT, Claude Desktop, MCP Inspector) register themselves, or "
        "identify themselves with a client ID metadata document, before the person signs in.",
        (
            SettingField(
                "dynamic_registration_enabled",
                "Let AI tools register themselves",
                "When off, only connections an administrator creates can sign in.",
            ),
            SettingField(
                "client_metadata_documents_enabled",
                "Accept client ID metadata documents",
                "Tools such as Claude Code may identify themselves with the https address of a document they publish "
                "instead of registering. When off, such tools are refused (they usually fall back to registering).",
            ),
            SettingField(
                "client_metadata_allowed_hosts",
                "Accept metadata documents only from",
                "Host names separated by spaces, e.g. claude.ai chatgpt.com. Leave empty to accept any host.",
            ),
            SettingField(
                "unused_registration_days",
                "Remove unused self-registrations after",
                "A tool that registered itself but never connected is removed after this many days.",
            ),
        ),
    ),
    SettingGroup(
        "Connections",
        "Defaults for every connection.",
        (
            SettingField(
                "idle_after_seconds",
                "Show a connection as Idle after",
                "A connection not used for this long shows as “Idle for …” in the list.",
            ),
            SettingField(
                "rate_limit_per_minute",
                "Requests per minute",
                "The default number of MCP requests one connection may make per minute.",
            ),
            SettingField(
                "rate_limit_per_day",
                "Requests per day",
                "The default number of MCP requests one connection may make per day.",
            ),
        ),
    ),
    SettingGroup(
        "Data tools",
        "How many records one tool call returns, so an AI model gets answers that fit its context.",
        (
            SettingField(
                "default_limit",
                "Records per call by default",
                "What search and list tools return when the call names no limit (served as at most the maximum).",
            ),
            SettingField(
                "max_limit",
                "Most records per call",
                "A call asking for more is refused with a sentence telling the model to page with offset.",
            ),
        ),
    ),
    SettingGroup(
        "Audit log",
        "What the audit log keeps, and for how long.",
        (
            SettingField(
                "log_payloads",
                "Record tool arguments and results",
                "Off by default: the log then records who called which tool, not the data that went through.",
            ),
            SettingField(
                "audit_retention_days",
                "Keep audit entries for",
                "Entries older than this many days are deleted.",
            ),
        ),
    ),
    SettingGroup(
        "Monitoring",
        "/metrics gives Prometheus this process's counters and a few gauges (refreshed once a minute).",
        (
            SettingField(
                "metrics_public",
                "Let other machines read /metrics",
                "Off by default: only requests made on this machine itself, not through a proxy, may read it. "
                "Turn on only when a firewall or your proxy keeps /metrics from the internet.",
            ),
        ),
    ),
)
FORM_FIELDS = {setting.key: setting for group in SETTING_GROUPS for setting in group.fields}


def submitted_settings(form: FormData) -> dict[str, str]:
    """The form's values by setting key. A switch left unticked is not sent at all, so it means off."""
    return {
        key: ("true" if form.get(key) else "false") if setting.is_switch else field(form, key)
        for key, setting in FORM_FIELDS.items()
    }


def typed_values(submitted: dict[str, str]) -> dict[str, str]:
    """What the form shows: a number as text, a switch as "true" (ticked) or "" (not ticked)."""
    return {
        key: ("true" if raw == "true" else "") if FORM_FIELDS[key].is_switch else raw for key, raw in submitted.items()
    }


def shown_value(value: Any) -> str:
    return " ".join(value) if isinstance(value, tuple) else str(value).lower()


def shown_values(current: ServerSettings) -> dict[str, str]:
    values = current.as_dict()
    return typed_values({key: shown_value(values[key]) for key in FORM_FIELDS})


class SettingsPages(ConsolePages):
    async def settings_page(
        self,
        request: Request,
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            current = await self.services.server_settings(session)
            counters = {
                "active_connections": await Connections(session).count_unrevoked(),
                "recent_audit_entries": await AuditLog(session).count_since(now - COUNTER_WINDOW),
                "live_grants": await Tokens(session).count_connections_with_live_access(now),
            }
        changed = request.query_params.get("changed", "")
        context: dict[str, Any] = {
            "visitor": visitor,
            "section": "settings",
            "mcp_enabled": current.mcp_enabled,
            "switched_off_message": SWITCHED_OFF_MESSAGE,
            "counters": counters,
            "groups": SETTING_GROUPS,
            "values": values if values is not None else shown_values(current),
            "errors": errors or {},
            "changed": int(changed) if changed.isdigit() else None,
            "switched": request.query_params.get("switched", ""),
            "public_url": self.settings.public_url,
            "mcp_url": self.settings.resource_url,
            "describe_seconds": describe_seconds,
        }
        return self.render(request, "settings.html", context, status_code)

    async def show(self, request: Request) -> Response:
        return await self.settings_page(request)

    async def save(self, request: Request) -> Response:
        form = await read_form(request)
        submitted = submitted_settings(form)
        try:
            async with self.services.transaction() as session:
                visitor = await self.administrator(request, session)
                self.check_form(visitor, form)
                changes = await apply_settings(session, self.services.clock(), submitted, actor_id=visitor.user.id)
        except SettingsRejected as exc:
            # Nothing was stored; the form comes back with what was typed and a message next to each bad field.
            errors = {key: FORM_FIELDS[key].problem(submitted[key]) for key in exc.errors}
            return await self.settings_page(request, values=typed_values(submitted), errors=errors, status_code=400)
        changed = sum(1 for change in changes if change.changed)
        return RedirectResponse(f"{SETTINGS_PATH}?changed={changed}", status_code=303)

    async def switch_mcp_access(self, request: Request) -> Response:
        form = await read_form(request)
        turn_on = field(form, "mcp_enabled") == "true"
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            self.check_form(visitor, form)
            # Switching off refuses every MCP request at once: only the confirming button may do it.
            if turn_on or field(form, "confirmed") == "yes":
                await apply_settings(session, self.services.clock(), {"mcp_enabled": turn_on}, actor_id=visitor.user.id)
                return RedirectResponse(f"{SETTINGS_PATH}?switched={'on' if turn_on else 'off'}", status_code=303)
        raise Refusal(
            "MCP access was not switched off",
            "Switching MCP access off needs a confirmation. Open Server Settings and use the "
            "“Switch MCP access off now” button.",
            link_url=SETTINGS_PATH,
            link_text="Back to Server Settings",
        )
