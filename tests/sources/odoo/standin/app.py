"""The stand-in Odoo's HTTP surface, from Odoo's documented wire formats.

- ``GET /web/version`` → ``{"version_info": [...], "version": "19.0"}`` (Odoo 19; older answer only JSON-RPC there);
- ``POST /json/2/<model>/<method>`` (Odoo 19): ``Authorization: bearer <key>``, ``X-Odoo-Database``, the
  method's named parameters plus ``ids`` and ``context`` in the body; the return value as the body, or a
  4xx/5xx with ``{"name", "message", "arguments", "context", "debug"}``;
- ``POST /jsonrpc``: ``common.version``, ``common.authenticate``, ``object.execute_kw``; errors always HTTP 200
  with ``{"error": {"code": 200, "message": "Odoo Server Error", "data": {"name", "message", "debug", ...}}}``.

Knobs for tests: ``version`` (19 or 17), ``delay`` (seconds before every answer), ``broken`` (answers an HTML
error page), and ``calls`` (every model call received, to assert what was sent and how often).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.sources.odoo.standin import data
from tests.sources.odoo.standin.methods import call
from tests.sources.odoo.standin.orm import Database, OdooError

TRACEBACK = 'Traceback (most recent call last):\n  File "/opt/odoo/odoo/http.py", line 2212, in _transactioning\n'


@dataclass
class Knobs:
    version: int = 19
    delay: float = 0.0
    broken: bool = False
    calls: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=lambda: dict(data.KEYS))
    db: Database = field(default_factory=Database)

    @property
    def version_info(self) -> list[Any]:
        return [self.version, 0, 0, "final", 0, ""]


def build_standin(version: int = 19) -> tuple[Starlette, Knobs]:
    knobs = Knobs(version=version)

    async def gate() -> Response | None:
        if knobs.delay:
            await asyncio.sleep(knobs.delay)
        if knobs.broken:
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502)
        return None

    async def web_version(request: Request) -> Response:
        if (early := await gate()) is not None:
            return early
        if knobs.version < 19:  # a type='json' route: a plain GET is not JSON-RPC
            return HTMLResponse("<h1>Bad Request</h1>", status_code=400)
        return JSONResponse({"version_info": knobs.version_info, "version": f"{knobs.version}.0"})

    async def json2(request: Request) -> Response:
        if (early := await gate()) is not None:
            return early
        model, method = request.path_params["model"], request.path_params["method"]
        if knobs.version < 19:
            return HTMLResponse("<h1>Not Found</h1>", status_code=404)
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        uid = knobs.keys.get(key) if scheme.lower() == "bearer" else None
        if uid is None:
            return _json2_error(OdooError("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401), {})
        if request.headers.get("x-odoo-database") != data.DATABASE:
            return _json2_error(OdooError("werkzeug.exceptions.NotFound", "database not found", 404), {})
        body = json.loads(await request.body() or b"{}")
        context = body.pop("context", {})
        ids = body.pop("ids", None)
        knobs.calls.append(
            {
                "protocol": "json-2",
                "model": model,
                "method": method,
                "ids": ids,
                "params": body,
                "context": context,
                "uid": uid,
            }
        )
        try:
            return JSONResponse(call(knobs.db, uid, model, method, ids, body, knobs.version))
        except OdooError as error:
            return _json2_error(error, context)
        except TypeError as error:
            return _json2_error(OdooError("builtins.TypeError", str(error), 500), context)

    async def jsonrpc(request: Request) -> Response:
        if (early := await gate()) is not None:
            return early
        envelope = json.loads(await request.body())
        params = envelope.get("params", {})
        service, method, args = params.get("service"), params.get("method"), params.get("args", [])
        try:
            result = _dispatch_rpc(knobs, service, method, args)
        except OdooError as error:
            return _jsonrpc_error(envelope.get("id"), error)
        except TypeError as error:
            return _jsonrpc_error(envelope.get("id"), OdooError("builtins.TypeError", str(error), 500))
        return JSONResponse({"jsonrpc": "2.0", "id": envelope.get("id"), "result": result})

    routes = [
        Route("/web/version", web_version, methods=["GET"]),
        Route("/json/2/{model}/{method}", json2, methods=["POST"]),
        Route("/jsonrpc", jsonrpc, methods=["POST"]),
    ]
    return Starlette(routes=routes), knobs


def _dispatch_rpc(knobs: Knobs, service: str, method: str, args: list[Any]) -> Any:
    if service == "common" and method == "version":
        serie = f"{knobs.version}.0"
        return {
            "server_version": serie,
            "server_version_info": knobs.version_info,
            "server_serie": serie,
            "protocol_version": 1,
        }
    if service == "common" and method == "authenticate":
        db, login, key, _env = args
        uid = knobs.keys.get(key)
        return uid if db == data.DATABASE and uid is not None and data.LOGINS.get(uid) == login else False
    if service == "object" and method == "execute_kw":
        db, uid, key, model, model_method, positional, *rest = args
        kwargs = dict(rest[0]) if rest else {}
        if db != data.DATABASE or knobs.keys.get(key) != uid:
            raise OdooError("odoo.exceptions.AccessDenied", "Access Denied", 403)
        context = kwargs.pop("context", {})
        ids = positional[0] if positional and isinstance(positional[0], list) else None
        extra = positional[1:] if ids is not None else positional
        knobs.calls.append(
            {
                "protocol": "json-rpc",
                "model": model,
                "method": model_method,
                "ids": ids,
                "params": kwargs,
                "args": extra,
                "context": context,
                "uid": uid,
            }
        )
        if extra:
            raise OdooError("builtins.TypeError", f"{model_method}() takes no extra positional arguments", 500)
        return call(knobs.db, uid, model, model_method, ids, kwargs, knobs.version)
    raise OdooError("builtins.KeyError", repr(method), 500)


def _json2_error(error: OdooError, context: dict[str, Any]) -> JSONResponse:
    body = {
        "name": error.name,
        "message": error.message,
        "arguments": [error.message, error.status],
        "context": context,
        "debug": TRACEBACK + f"{error.name}: {error.message}\n",
    }
    return JSONResponse(body, status_code=error.status)


def _jsonrpc_error(request_id: Any, error: OdooError) -> JSONResponse:
    data_ = {
        "name": error.name,
        "debug": TRACEBACK + f"{error.name}: {error.message}\n",
        "message": error.message,
        "arguments": [error.message],
        "context": {},
    }
    return JSONResponse(
        {"jsonrpc": "2.0", "id": request_id, "error": {"code": 200, "message": "Odoo Server Error", "data": data_}}
    )
