"""Our own async Odoo client: one pooled ``httpx2.AsyncClient``, two protocols, Odoo errors as ``SourceError``s.

- JSON-2 (Odoo 19+): ``POST /json/2/<model>/<method>``, ``Authorization: bearer <api key>``,
  ``X-Odoo-Database``, the method's parameters as named members of the JSON body next to ``ids`` and
  ``context`` (Odoo's "External JSON-2 API" reference).
- JSON-RPC (Odoo 14–18): ``POST /jsonrpc``, service ``object``, ``execute_kw(db, uid, key, model,
  method, args, kwargs)``; ``uid`` from ``common.authenticate(db, login, key, {})``, cached per identity.

The protocol is chosen from the server's version (``GET /web/version``, else ``common.version``)
unless the administrator fixed it. Reads are retried on connection failures (they are idempotent);
writes never are, and nothing is retried after a read timeout, so a slow Odoo is reported within the
timeout rather than a multiple of it.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx2

from bastion.sources.errors import CredentialRejected, InvalidArguments, NotLinked, SourceUnavailable
from bastion.sources.odoo.faults import fault_from_json2, fault_from_jsonrpc, to_source_error
from bastion.sources.port import Identity

log = logging.getLogger(__name__)

JSON2 = "json-2"
JSONRPC = "json-rpc"
PROTOCOLS = (JSON2, JSONRPC)

# Methods that change nothing: safe to send twice when the first attempt never reached Odoo.
IDEMPOTENT_METHODS = frozenset(
    {
        "search_read",
        "search",
        "read",
        "fields_get",
        "search_count",
        "read_group",
        "formatted_read_group",
        "web_search_read",
        "web_read_group",
        "name_search",
        "get_views",
        "check_access_rights",
        "has_access",
        "context_get",
    }
)
_RETRYABLE = (httpx2.ConnectError, httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.PoolTimeout)


@dataclass(frozen=True)
class ServerVersion:
    version: str  # "19.0"
    major: int
    protocol: str  # the protocol this client speaks to it


class OdooClient:
    def __init__(
        self,
        url: str,
        database: str,
        *,
        protocol: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 2,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        if protocol is not None and protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
        self.url = url.rstrip("/")
        self.database = database
        self.timeout = timeout
        self._forced_protocol = protocol
        self._retries = retries
        self._version: ServerVersion | None = None
        self._uids: dict[tuple[str, str], int] = {}
        self._ids = itertools.count(1)
        self._http = httpx2.AsyncClient(
            base_url=self.url,
            transport=transport,
            timeout=httpx2.Timeout(timeout, connect=connect_timeout),
            limits=httpx2.Limits(max_connections=20, max_keepalive_connections=10),
            headers={"User-Agent": "bastion-odoo-client"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- version and protocol -------------------------------------------------------------

    async def server_version(self) -> ServerVersion:
        if self._version is None:
            self._version = await self._detect_version()
        return self._version

    async def _detect_version(self) -> ServerVersion:
        version, major = await self._web_version()
        if version is None:
            info = await self._rpc("common", "version", [], method_label="common.version", idempotent=True)
            version = (
                str(info.get("server_serie") or info.get("server_version") or "") if isinstance(info, dict) else ""
            )
            major = _major(info.get("server_version_info") if isinstance(info, dict) else None, version)
        protocol = self._forced_protocol or (JSON2 if major >= 19 else JSONRPC)
        return ServerVersion(version=version or "unknown", major=major, protocol=protocol)

    async def _web_version(self) -> tuple[str | None, int]:
        """``GET /web/version`` answers plain JSON on Odoo 19+; older servers only take JSON-RPC there."""
        try:
            response = await self._send("GET", "/web/version", None, {}, idempotent=True, label="/web/version")
            body = response.json() if response.status_code == 200 else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or "version" not in body:
            return None, 0
        version = str(body["version"])
        return version, _major(body.get("version_info"), version)

    # ---- calls ----------------------------------------------------------------------------

    async def execute(
        self,
        identity: Identity,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        params: Mapping[str, Any] | None = None,
        args: Sequence[Any] = (),
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """``model.method`` as ``identity``: on ``ids`` when given, with named ``params`` (and, on JSON-RPC
        only, extra positional ``args``), under ``context``."""
        if not identity.secret:
            raise NotLinked("No Odoo API key is linked for this user; link your Odoo account in the console first.")
        version = await self.server_version()
        if version.protocol == JSON2:
            if args:
                raise InvalidArguments(
                    "Odoo's JSON-2 API takes named arguments only; pass the method's arguments in kwargs."
                )
            return await self._json2(identity, model, method, ids, dict(params or {}), dict(context or {}))
        return await self._execute_kw(identity, model, method, ids, list(args), dict(params or {}), dict(context or {}))

    async def authenticate(self, identity: Identity) -> int:
        """The Odoo uid of ``identity`` over JSON-RPC (``common.authenticate``), cached per login and key."""
        if not identity.secret:
            raise NotLinked("No Odoo API key is linked for this user; link your Odoo account in the console first.")
        key = (identity.login, hashlib.sha256(identity.secret.encode()).hexdigest())
        uid = self._uids.get(key)
        if uid is None:
            result = await self._rpc(
                "common",
                "authenticate",
                [self.database, identity.login, identity.secret, {}],
                method_label="common.authenticate",
                idempotent=True,
                secret=identity.secret,
            )
            if not isinstance(result, int) or isinstance(result, bool) or result <= 0:
                raise CredentialRejected(
                    f"Odoo at {self.url} rejected the login {identity.login!r} with this API key; "
                    "re-link your Odoo account with a valid API key."
                )
            uid = self._uids[key] = result
        return uid

    def forget(self, identity: Identity) -> None:
        """Drop the cached uid of an identity whose key Odoo just refused."""
        if identity.secret:
            self._uids.pop((identity.login, hashlib.sha256(identity.secret.encode()).hexdigest()), None)

    async def _json2(
        self,
        identity: Identity,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        params: dict[str, Any],
        context: dict[str, Any],
    ) -> Any:
        body: dict[str, Any] = dict(params)
        if ids is not None:
            body["ids"] = list(ids)
        body["context"] = context
        headers = {"Authorization": f"bearer {identity.secret}", "X-Odoo-Database": self.database}
        label = f"{model}.{method}"
        response = await self._send(
            "POST", f"/json/2/{model}/{method}", body, headers, idempotent=method in IDEMPOTENT_METHODS, label=label
        )
        try:
            payload = response.json()
        except ValueError:
            raise self._not_odoo(label) from None
        if response.status_code >= 400:
            fault = fault_from_json2(response.status_code, payload)
            raise to_source_error(fault, model=model, method=method, base_url=self.url, secret=identity.secret)
        return payload

    async def _execute_kw(
        self,
        identity: Identity,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        args: list[Any],
        params: dict[str, Any],
        context: dict[str, Any],
    ) -> Any:
        uid = await self.authenticate(identity)
        positional = ([list(ids)] if ids is not None else []) + args
        kwargs = dict(params) | {"context": context}
        try:
            return await self._rpc(
                "object",
                "execute_kw",
                [self.database, uid, identity.secret, model, method, positional, kwargs],
                method_label=f"{model}.{method}",
                idempotent=method in IDEMPOTENT_METHODS,
                model=model,
                call_method=method,
                secret=identity.secret,
            )
        except CredentialRejected:
            self.forget(identity)
            raise

    async def _rpc(
        self,
        service: str,
        rpc_method: str,
        args: list[Any],
        *,
        method_label: str,
        idempotent: bool,
        model: str = "",
        call_method: str = "",
        secret: str | None = None,
    ) -> Any:
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": rpc_method, "args": args},
            "id": next(self._ids),
        }
        response = await self._send("POST", "/jsonrpc", body, {}, idempotent=idempotent, label=method_label)
        try:
            payload = response.json()
        except ValueError:
            raise self._not_odoo(method_label) from None
        if not isinstance(payload, dict) or ("result" not in payload and "error" not in payload):
            raise self._not_odoo(method_label)
        if "error" in payload:
            fault = fault_from_jsonrpc(payload["error"])
            raise to_source_error(
                fault, model=model or service, method=call_method or rpc_method, base_url=self.url, secret=secret
            )
        return payload["result"]

    async def _send(
        self,
        verb: str,
        path: str,
        body: Any,
        headers: Mapping[str, str],
        *,
        idempotent: bool,
        label: str,
    ) -> httpx2.Response:
        attempts = 1 + (self._retries if idempotent else 0)
        for attempt in range(1, attempts + 1):
            try:
                if verb == "GET":
                    return await self._http.get(path, headers=dict(headers))
                return await self._http.post(path, json=body, headers=dict(headers))
            except httpx2.TimeoutException as exc:
                if isinstance(exc, httpx2.PoolTimeout) and attempt < attempts:
                    continue
                log.info("odoo call %s timed out after %s s", label, self.timeout)
                raise SourceUnavailable(
                    f"Odoo at {self.url} did not answer within {self.timeout:g} s; try again later or ask "
                    "the administrator to check the Odoo server."
                ) from None
            except _RETRYABLE as exc:
                if attempt < attempts:
                    log.info("odoo call %s failed (%s), retrying", label, type(exc).__name__)
                    continue
                raise self._unreachable() from None
            except httpx2.HTTPError:
                raise self._unreachable() from None
        raise self._unreachable()  # pragma: no cover - the loop always returns or raises

    def _unreachable(self) -> SourceUnavailable:
        return SourceUnavailable(
            f"Odoo at {self.url} could not be reached; check that the server is running and the URL is right."
        )

    def _not_odoo(self, label: str) -> SourceUnavailable:
        log.info("odoo call %s answered something that is not Odoo's protocol", label)
        return SourceUnavailable(
            f"{self.url} did not answer {label} in Odoo's protocol; check the Odoo URL and database."
        )


def _major(info: Any, version: str) -> int:
    if isinstance(info, list) and info and isinstance(info[0], int):
        return info[0]
    head = version.split(".", 1)[0]
    digits = "".join(ch for ch in head if ch.isdigit())  # "saas~18" → 18
    return int(digits) if digits else 0
