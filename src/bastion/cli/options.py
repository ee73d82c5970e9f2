"""The options every group shares, and how ``--json`` chooses between the contract and the text."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def show(data: Any, as_json: bool, text: str) -> None:
    """Print ``data`` (a shape from ``json_shapes``) with ``--json``, otherwise ``text`` (from ``text``)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else text)
