"""The read and write half of the Odoo source: models, descriptions, search, read, count, grouping, CRUD.

Every call runs as the caller's Odoo user (their login and API key), so Odoo's access rights and
record rules decide what is seen; Bastion only narrows (the denylist). Descriptions are cached per
``Identity.cache_key``, because two Odoo users may see different models and fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.denylist import is_denied_field, is_denied_model
from bastion.sources.errors import InvalidArguments, MissingRecords, SourceUnavailable, UnknownModel
from bastion.sources.odoo import aggregate as grouping
from bastion.sources.odoo.client import JSONRPC, OdooClient
from bastion.sources.odoo.describe import (
    FIELD_ATTRIBUTES,
    check_domain,
    check_fields,
    check_order,
    describe,
    unknown_field,
)
from bastion.sources.port import (
    CallContext,
    Capability,
    Domain,
    Identity,
    ModelDescription,
    ModelInfo,
    Record,
    RecordPage,
    SourceStatus,
    Values,
)

_DESCRIPTION_LENGTH = 160


class OdooRecords:
    kind = "odoo"

    def __init__(self, client: OdooClient) -> None:
        self.client = client
        self._models: dict[str, dict[str, ModelInfo]] = {}
        self._descriptions: dict[tuple[str, str], ModelDescription] = {}

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset(Capability)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _call(
        self,
        as_user: Identity,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        params: Mapping[str, Any] | None = None,
        args: Sequence[Any] = (),
        context: CallContext | None = None,
    ) -> Any:
        return await self.client.execute(as_user, model, method, ids=ids, params=params, args=args, context=context)

    async def test(self, as_user: Identity) -> SourceStatus:
        """Which Odoo answered, over what, as whom. Also what linking an account relies on: the key must
        belong to the login, which ``common.authenticate`` proves (JSON-2 has no call naming the key's user,
        so on 19+ it is asked too while Odoo still serves ``/jsonrpc``)."""
        version = await self.client.server_version()
        try:
            await self.client.authenticate(as_user)
        except SourceUnavailable:
            if version.protocol == JSONRPC:
                raise
        users = await self._call(
            as_user, "res.users", "search_read", params={"domain": [["login", "=", as_user.login]], "fields": ["name"]}
        )
        name = users[0]["name"] if users else as_user.login
        return SourceStatus(
            kind="odoo",
            version=f"Odoo {version.version}",
            protocol=version.protocol,
            identity=as_user.login,
            detail=f"{name} on database {self.client.database} at {self.client.url}",
        )

    # ---- models and descriptions ------------------------------------------------------------

    async def list_models(self, as_user: Identity) -> list[ModelInfo]:
        return list((await self._visible_models(as_user)).values())

    async def _visible_models(self, as_user: Identity) -> dict[str, ModelInfo]:
        key = as_user.cache_key or as_user.login
        if key not in self._models:
            rows = await self._call(
                as_user,
                "ir.model",
                "search_read",
                params={"domain": [["transient", "=", False]], "fields": ["model", "name", "info"], "order": "model"},
            )
            self._models[key] = {
                row["model"]: ModelInfo(row["model"], str(row.get("name") or row["model"]), _sentence(row.get("info")))
                for row in rows
                if not is_denied_model(row["model"])
            }
        return self._models[key]

    async def describe_model(self, as_user: Identity, model: str) -> ModelDescription:
        if is_denied_model(model):
            raise UnknownModel(
                f"Odoo has no model {model!r} you can use; call list_models to see the available models."
            )
        key = (as_user.cache_key or as_user.login, model)
        cached = self._descriptions.get(key)
        if cached is not None:
            return cached
        raw = await self._call(as_user, model, "fields_get", params={"attributes": FIELD_ATTRIBUTES})
        info = (await self._visible_models(as_user)).get(model) or ModelInfo(model, model)
        description = self._descriptions[key] = describe(info, raw if isinstance(raw, dict) else {})
        return description

    async def _fields_for(
        self, as_user: Identity, model: str, fields: Sequence[str]
    ) -> tuple[ModelDescription, list[str]]:
        description = await self.describe_model(as_user, model)
        names = list(fields) or list(description.default_fields)
        check_fields(description, names)
        return description, names

    # ---- reads ------------------------------------------------------------------------------

    async def search_read(
        self,
        as_user: Identity,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        order: str = "",
        limit: int,
        offset: int = 0,
        context: CallContext | None = None,
    ) -> RecordPage:
        description, names = await self._fields_for(as_user, model, fields)
        check_domain(description, domain)
        check_order(description, order)
        params: dict[str, Any] = {"domain": list(domain), "fields": names, "limit": limit, "offset": offset}
        if order:
            params["order"] = order
        records = await self._call(as_user, model, "search_read", params=params, context=context)
        if len(records) < limit and (records or offset == 0):
            total = offset + len(records)  # a short page is the last one: no count needed
        else:
            total = await self.count(as_user, model, domain, context=context)
        return RecordPage(records=records, total=total)

    async def read(
        self,
        as_user: Identity,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        *,
        context: CallContext | None = None,
    ) -> list[Record]:
        _description, names = await self._fields_for(as_user, model, fields)
        wanted = list(dict.fromkeys(ids))
        # search_read rather than read: records hidden by a record rule are simply absent, and archived ones
        # are kept (active_test off), so the ids missing can be named in one sentence.
        found = await self._call(
            as_user,
            model,
            "search_read",
            params={"domain": [["id", "in", wanted]], "fields": names},
            context=dict(context or {}) | {"active_test": False},
        )
        by_id = {row["id"]: row for row in found}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise MissingRecords(
                f"{model} has no records with ids {', '.join(map(str, missing))} (or you may not see them); "
                "search_records finds the ids that exist."
            )
        return [by_id[i] for i in ids]

    async def count(self, as_user: Identity, model: str, domain: Domain, *, context: CallContext | None = None) -> int:
        check_domain(await self.describe_model(as_user, model), domain)
        return int(await self._call(as_user, model, "search_count", params={"domain": list(domain)}, context=context))

    async def aggregate(
        self,
        as_user: Identity,
        model: str,
        domain: Domain,
        group_by: Sequence[str],
        measures: Sequence[str],
        *,
        order: str = "",
        limit: int | None = None,
        context: CallContext | None = None,
    ) -> list[Record]:
        description = await self.describe_model(as_user, model)
        check_domain(description, domain)
        grouping.check_grouping(description, group_by, measures)
        measures = list(measures) or ["__count"]
        modern = (await self.client.server_version()).major >= 19
        method = "formatted_read_group" if modern else "read_group"
        params = grouping.read_group_params(domain, group_by, measures, order=order, limit=limit, modern=modern)
        rows = await self._call(as_user, model, method, params=params, context=context)
        result = grouping.normalize_groups(rows, group_by, measures, modern=modern)
        return result if group_by else grouping.total_row(result, measures)

    async def name_search(
        self, as_user: Identity, model: str, name: str, *, limit: int, context: CallContext | None = None
    ) -> list[tuple[int, str]]:
        await self.describe_model(as_user, model)
        pairs = await self._call(
            as_user, model, "name_search", params={"name": name, "operator": "ilike", "limit": limit}, context=context
        )
        return [(int(pair[0]), str(pair[1])) for pair in pairs]

    # ---- writes -----------------------------------------------------------------------------

    async def create(
        self, as_user: Identity, model: str, values: Sequence[Values], *, context: CallContext | None = None
    ) -> list[int]:
        description = await self.describe_model(as_user, model)
        if not values:
            raise InvalidArguments("create needs at least one record's values.")
        for record in values:
            _check_values(description, record)
        # One create call with the whole list: Odoo runs it in one transaction, so all records or none.
        ids = await self._call(
            as_user, model, "create", params={"vals_list": [dict(v) for v in values]}, context=context
        )
        return [int(i) for i in (ids if isinstance(ids, list) else [ids])]

    async def update(
        self,
        as_user: Identity,
        model: str,
        ids: Sequence[int],
        values: Values,
        *,
        context: CallContext | None = None,
    ) -> None:
        _check_values(await self.describe_model(as_user, model), values)
        await self._call(as_user, model, "write", ids=list(ids), params={"vals": dict(values)}, context=context)

    async def delete(
        self, as_user: Identity, model: str, ids: Sequence[int], *, context: CallContext | None = None
    ) -> None:
        await self.describe_model(as_user, model)
        await self._call(as_user, model, "unlink", ids=list(ids), context=context)


def _check_values(description: ModelDescription, values: Values) -> None:
    if not isinstance(values, Mapping) or not values:
        raise InvalidArguments("values must be an object of field name → value, such as {'name': 'Acme'}.")
    for name in values:
        if is_denied_field(name) or description.field(name) is None:
            raise unknown_field(description.model.name, name)


def _sentence(info: Any) -> str:
    text = " ".join(str(info or "").split())
    if len(text) > _DESCRIPTION_LENGTH:
        text = text[: _DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return text
