"""Runtime settings an administrator changes while Bastion runs, with their defaults and bounds.

The keys are public interface (CLI, console, docs): keep them stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

# What /mcp answers while mcp_enabled is off; the Server Settings page shows it next to the switch.
SWITCHED_OFF_MESSAGE = (
    "Bastion's MCP access is switched off by an administrator (Server Settings ▸ MCP access). "
    "Try again later or contact your administrator."
)


class SettingRejected(ValueError):
    """A value is out of bounds or of the wrong kind; the message says what is accepted."""


# A DNS host name as it appears in a URL (letters, digits, hyphens, dots), lower case.
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
MAX_HOSTS = 50


def parse_hosts(key: str, raw: Any) -> tuple[str, ...]:
    """A list of host names, from a JSON list or text separated by commas, spaces or lines; empty is allowed."""
    items = raw if isinstance(raw, list | tuple) else str(raw).replace(",", " ").split()
    hosts = []
    for item in items:
        host = str(item).strip().lower().rstrip(".")
        if not HOST_NAME.match(host):
            raise SettingRejected(
                f"{key} takes host names such as claude.ai or chatgpt.com (no scheme, path or port), not {item!r}."
            )
        hosts.append(host)
    if len(hosts) > MAX_HOSTS:
        raise SettingRejected(f"{key} takes at most {MAX_HOSTS} host names.")
    return tuple(dict.fromkeys(hosts))


@dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: type  # bool, int, or tuple (a list of host names)
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""

    def parse(self, raw: Any) -> Any:
        """Turn a CLI string or a JSON/form value into the typed value, or say what is accepted."""
        if self.kind is tuple:
            return parse_hosts(self.key, raw)
        if self.kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("true", "1", "yes", "on", "enabled"):
                return True
            if text in ("false", "0", "no", "off", "disabled"):
                return False
            raise SettingRejected(f"{self.key} takes true or false, not {raw!r}.")
        if isinstance(raw, bool):
            raise SettingRejected(f"{self.key} takes a whole number, not {raw!r}.")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise SettingRejected(f"{self.key} takes a whole number{self._unit_hint()}, not {raw!r}.") from None
        if self.minimum is not None and value < self.minimum:
            raise SettingRejected(f"{self.key} must be at least {self.minimum}{self._unit_suffix()}; got {value}.")
        if self.maximum is not None and value > self.maximum:
            raise SettingRejected(f"{self.key} must be at most {self.maximum}{self._unit_suffix()}; got {value}.")
        return value

    def _unit_hint(self) -> str:
        return f" of {self.unit}" if self.unit else ""

    def _unit_suffix(self) -> str:
        return f" {self.unit}" if self.unit else ""


MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

SETTING_SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec("mcp_enabled", bool, True, "Master switch: while off, every MCP request is refused."),
        SettingSpec("access_token_ttl_seconds", int, HOUR, "Access token lifetime.", 60, 7 * DAY, "seconds"),
        SettingSpec("refresh_token_ttl_seconds", int, 30 * DAY, "Refresh token lifetime.", HOUR, 365 * DAY, "seconds"),
        SettingSpec(
            "refresh_grace_seconds",
            int,
            30,
            "How long the previous refresh token is still accepted once after rotation (lost responses).",
            0,
            5 * MINUTE,
            "seconds",
        ),
        # OAuth 2.1 §4.1.2: authorization codes live at most 10 minutes.
        SettingSpec(
            "auth_code_ttl_seconds", int, 10 * MINUTE, "Authorization code lifetime.", 10, 10 * MINUTE, "seconds"
        ),
        SettingSpec("dynamic_registration_enabled", bool, True, "Let AI tools register themselves (RFC 7591)."),
        SettingSpec(
            "client_metadata_documents_enabled",
            bool,
            True,
            "Accept AI tools that identify themselves with a client ID metadata document (an https URL as client_id).",
        ),
        SettingSpec(
            "client_metadata_allowed_hosts",
            tuple,
            (),
            "Hosts whose client ID metadata documents are accepted (e.g. claude.ai chatgpt.com); empty: any host.",
        ),
        SettingSpec(
            "unused_registration_days",
            int,
            7,
            "Self-registered clients never used are removed after this many days.",
            1,
            365,
            "days",
        ),
        SettingSpec(
            "idle_after_seconds",
            int,
            7 * DAY,
            "A connection unused this long shows as Idle.",
            HOUR,
            365 * DAY,
            "seconds",
        ),
        SettingSpec("rate_limit_per_minute", int, 120, "Default MCP requests per minute per connection.", 1, 100_000),
        SettingSpec("rate_limit_per_day", int, 20_000, "Default MCP requests per day per connection.", 1, 100_000_000),
        SettingSpec("log_payloads", bool, False, "Record tool arguments and results in the audit log."),
        SettingSpec("audit_retention_days", int, 365, "Audit entries older than this are deleted.", 1, 3650, "days"),
        SettingSpec(
            "default_limit", int, 50, "Records a data tool returns when the call names no limit.", 1, 5000, "records"
        ),
        SettingSpec("max_limit", int, 500, "Most records one data tool call may return.", 1, 5000, "records"),
        SettingSpec(
            "metrics_public",
            bool,
            False,
            "Let any address read /metrics; while off, only requests made on this machine, not through a proxy.",
        ),
    )
}


def _default(key: str) -> Any:
    return SETTING_SPECS[key].default


@dataclass(frozen=True)
class ServerSettings:
    """A snapshot of every runtime setting, read at the start of a request; defaults come from the specs."""

    mcp_enabled: bool = _default("mcp_enabled")
    access_token_ttl_seconds: int = _default("access_token_ttl_seconds")
    refresh_token_ttl_seconds: int = _default("refresh_token_ttl_seconds")
    refresh_grace_seconds: int = _default("refresh_grace_seconds")
    auth_code_ttl_seconds: int = _default("auth_code_ttl_seconds")
    dynamic_registration_enabled: bool = _default("dynamic_registration_enabled")
    client_metadata_documents_enabled: bool = _default("client_metadata_documents_enabled")
    client_metadata_allowed_hosts: tuple[str, ...] = _default("client_metadata_allowed_hosts")
    unused_registration_days: int = _default("unused_registration_days")
    idle_after_seconds: int = _default("idle_after_seconds")
    rate_limit_per_minute: int = _default("rate_limit_per_minute")
    rate_limit_per_day: int = _default("rate_limit_per_day")
    log_payloads: bool = _default("log_payloads")
    audit_retention_days: int = _default("audit_retention_days")
    # A default above the maximum is served as the maximum (tools/data/arguments.check_limit).
    default_limit: int = _default("default_limit")
    max_limit: int = _default("max_limit")
    metrics_public: bool = _default("metrics_public")

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> ServerSettings:
        values = {}
        for spec in SETTING_SPECS.values():
            if spec.key in stored:
                try:
                    values[spec.key] = spec.parse(stored[spec.key])
                except SettingRejected:
                    continue  # a value stored by an older version with other bounds falls back to the default
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parse_setting(key: str, raw: Any) -> Any:
    spec = SETTING_SPECS.get(key)
    if spec is None:
        known = ", ".join(SETTING_SPECS)
        raise SettingRejected(f"Unknown setting {key!r}. Known settings: {known}.")
    return spec.parse(raw)
