"""What the commands that talk to the data source share: reading an API key from stdin, and closing the source."""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bastion.cli.runner import fail, open_database, run_command
from bastion.config import Settings
from bastion.services import Services
from bastion.sources.configuration import SourceConfigError
from bastion.sources.errors import SourceError

T = TypeVar("T")
FAILED = 1  # the source did not answer or refused: not a typing mistake (that is exit code 2)


def read_api_key_from_stdin() -> str:
    """The key is read from stdin, never from an argument: arguments end up in shell history and ``ps``."""
    key = sys.stdin.readline().strip()
    if not key:
        fail("--api-key-stdin found no API key on standard input; pipe one in: printf '%s\\n' \"$KEY\" | bastion ...")
    return key


def with_source(work: Callable[[Services], Awaitable[T]]) -> T:
    """Run ``work`` with the data source at hand, and close the source's connections afterwards.

    A configuration that cannot be used is a mistake in what was typed (exit code 2); a source that fails
    or refuses ends with its sentence and exit code 1.
    """

    # The source logs what went wrong in detail, for a server's log; a command prints its one sentence.
    logging.getLogger("bastion").addHandler(logging.NullHandler())

    async def run() -> T:
        services = await open_database(Settings.from_env())
        try:
            return await work(services)
        finally:
            await services.aclose()

    try:
        return run_command(run)
    except SourceConfigError as error:
        fail(str(error))
    except SourceError as error:
        fail(str(error), FAILED)
