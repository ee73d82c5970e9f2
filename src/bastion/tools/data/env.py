"""What a data tool works with: the source, the identity it acts for, the bounds, and the error translation.

The tool functions take a ``DataToolEnv`` and their validated arguments, and know nothing of HTTP or of
``ToolContext``; the handlers in ``specs.py`` build the env through one injected ``resolve_env``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bastion.clock import Clock, utcnow
from bastion.sources.errors import SourceError
from bastion.sources.port import BusinessSource, Capability, DataSource, Identity
from bastion.tools.registry import ToolError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Largest file read_attachment returns inline; a model's context window is the real bound.
MAX_ATTACHMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DataToolEnv:
    source: DataSource
    identity: Identity
    connection_id: int
    preview_secret: bytes = field(repr=False)
    read_only: bool = False  # the connection may only read (the administrator's choice)
    default_limit: int = DEFAULT_LIMIT  # runtime setting ``default_limit``
    max_limit: int = MAX_LIMIT  # runtime setting ``max_limit``
    clock: Clock = utcnow
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES


@contextmanager
def source_errors() -> Iterator[None]:
    """Every ``SourceError`` becomes a ``ToolError`` carrying the source's sentence as it stands."""
    try:
        yield
    except SourceError as error:
        raise ToolError(str(error)) from error


def refuse_on_read_only_connection(env: DataToolEnv, tool: str) -> None:
    if env.read_only:
        raise ToolError(
            f"This connection is read-only, so {tool} is refused: it would change data. Read with search_records "
            "instead, or ask the administrator to allow changes on this connection."
        )


def business_source(env: DataToolEnv, capability: Capability, what: str) -> BusinessSource:
    """The source as a ``BusinessSource`` offering ``capability``, or a sentence saying it cannot ``what``."""
    source = env.source
    if capability not in source.capabilities or not isinstance(source, BusinessSource):
        raise ToolError(
            f"This data source ({source.kind}) cannot {what}: that needs Odoo's business layer "
            f"({capability.value}). Use search_records and get_records to read the data instead."
        )
    return source
