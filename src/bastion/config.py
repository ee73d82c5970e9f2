"""Start-up settings, read once from the environment (``BASTION_*``) and never changed afterwards.

Runtime settings that an administrator changes while Bastion runs (token lifetimes, the
master switch, ...) live in the database instead: see ``bastion.server_settings``.
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SECRET_KEY_FILE = "secret.key"
DATABASE_FILE = "bastion.db"
# Seconds a client has to send a request's headers, and again its body (Apache's mod_reqtimeout uses 20).
DEFAULT_REQUEST_READ_TIMEOUT = 20.0
MAX_REQUEST_READ_TIMEOUT = 3600.0


class ConfigError(ValueError):
    """A start-up setting is unusable; the message names the variable and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Validated once by ``from_env`` and passed to ``create_app``; nothing changes it afterwards."""

    home: Path
    database_url: str
    public_url: str
    secret_key: str
    redis_url: str | None = None
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(default_factory=tuple)
    # Extra CA certificates (PEM) trusted when fetching client ID metadata documents, beside the system's.
    client_metadata_ca_file: Path | None = None
    request_read_timeout: float = DEFAULT_REQUEST_READ_TIMEOUT

    @property
    def issuer(self) -> str:
        # The SDK client compares the issuer byte for byte: no trailing slash, ever.
        return self.public_url

    @property
    def resource_url(self) -> str:
        return f"{self.public_url}/mcp"

    @property
    def public_path(self) -> str:
        """The path of the public URL ("" or "/bastion" behind a proxy that mounts Bastion under a prefix)."""
        return urlsplit(self.public_url).path

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        create_home: bool = True,
    ) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("BASTION_HOME") or "bastion-data").expanduser().resolve()
        if create_home:
            home.mkdir(parents=True, exist_ok=True)
        public_url = parse_public_url(env.get("BASTION_PUBLIC_URL") or default_public_url(host, port))
        database_url = normalize_database_url(env.get("BASTION_DATABASE_URL") or f"sqlite:///{home / DATABASE_FILE}")
        secret_key = env.get("BASTION_SECRET_KEY") or load_or_create_secret_key(home)
        if len(secret_key) < 32:
            raise ConfigError("BASTION_SECRET_KEY must be at least 32 characters; leave it unset to generate one.")
        return cls(
            home=home,
            database_url=database_url,
            public_url=public_url,
            secret_key=secret_key,
            redis_url=env.get("BASTION_REDIS_URL") or None,
            trusted_proxies=parse_trusted_proxies(env.get("BASTION_TRUSTED_PROXIES", "")),
            client_metadata_ca_file=parse_ca_file(env.get("BASTION_CLIENT_METADATA_CA_FILE", "")),
            request_read_timeout=parse_request_read_timeout(env.get("BASTION_REQUEST_READ_TIMEOUT", "")),
        )


def default_public_url(host: str, port: int) -> str:
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - only a display default
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    return f"http://{shown_host}:{port}"


def parse_public_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"BASTION_PUBLIC_URL={value!r} is not usable: give the external base URL, "
            "for example https://mcp.example.com"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"BASTION_PUBLIC_URL={value!r} must not have a query or a fragment.")
    # The issuer must compare byte for byte with what clients derive: lower-case scheme and host, no slash.
    netloc = parts.netloc.lower()
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{netloc}{path}"


def normalize_database_url(url: str) -> str:
    """Pick the async driver for a plain URL (``sqlite:///``, ``postgresql://``) so one code path serves both."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql+psycopg://")):
        return url
    raise ConfigError(
        f"BASTION_DATABASE_URL={url!r} is not supported: use sqlite:///path/to/file.db or "
        "postgresql://user:password@host:5432/dbname"
    )


def parse_trusted_proxies(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(
                f"BASTION_TRUSTED_PROXIES has {item!r}, which is not an IP address or CIDR (e.g. 10.0.0.0/8)."
            ) from exc
    return tuple(networks)


def parse_ca_file(value: str) -> Path | None:
    if not value.strip():
        return None
    path = Path(value.strip()).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"BASTION_CLIENT_METADATA_CA_FILE={value!r} is not a file; give the path of a PEM file of CA "
            "certificates, or leave it unset to trust the system's certificate authorities only."
        )
    return path


def parse_request_read_timeout(value: str) -> float:
    if not value.strip():
        return DEFAULT_REQUEST_READ_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_REQUEST_READ_TIMEOUT:
        raise ConfigError(
            f"BASTION_REQUEST_READ_TIMEOUT={value!r} is not usable: give the seconds a client has to send a "
            f"request's headers, and then its body, between 0 and {MAX_REQUEST_READ_TIMEOUT:g} "
            f"(default {DEFAULT_REQUEST_READ_TIMEOUT:g})."
        )
    return seconds


def load_or_create_secret_key(home: Path) -> str:
    path = home / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # Created with owner-only permissions before the secret is written into it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
