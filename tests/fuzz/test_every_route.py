"""Fuzz every route of the app, read from its route table: any method, path parameters that are known ids,
huge ids or garbage, hostile query strings, headers and bodies, signed in (with the session's CSRF token
in the form, or a wrong one) or not. See harness.py for the properties checked on every answer."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from hypothesis import event, given
from hypothesis import strategies as st
from starlette.routing import Mount, Route

from tests.fuzz import strategies as fz
from tests.fuzz.harness import World
from tests.fuzz.profiles import fuzz_settings

PLACEHOLDER = re.compile(r"\{[^}]+\}")
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
PATH_SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "2",
            "3",
            "2147483648",
            "99999999999",
            "1" * 40,
            "%00",
            "1%00",
            "..%2F..",
            "%2e%2e",
            "abc",
            "%ff",
            "%C0%AF",
            "١٢",
            "whoami",
            "search_records",
            "sql",
            "demo",
            "odoo",
        ]
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=10).map(lambda text: quote(text, safe="")),
)


def route_table(world: World) -> list[tuple[str, list[str]]]:
    table: list[tuple[str, list[str]]] = []
    for route in world.app.routes:
        if isinstance(route, Route):
            table.append((route.path, sorted(route.methods or ["GET"])))
        elif isinstance(route, Mount):
            table.append((route.path + "/{file}", ["GET"]))
    return table


def body_for(data: st.DataObject, world: World, signed_in: bool) -> tuple[bytes | None, str | None]:
    kind = data.draw(st.sampled_from(["none", "form", "multipart", "json", "raw", "deep"]))
    if kind == "none":
        return None, None
    if kind in ("form", "multipart"):
        pairs = data.draw(fz.FORM_PAIRS)
        if signed_in and data.draw(st.booleans()):
            pairs = [("csrf_token", world.csrf_token), *pairs]
        body = fz.form_body(pairs) if kind == "form" else fz.multipart_body(pairs)
        default_type = fz.FORM_TYPE if kind == "form" else "multipart/form-data; boundary=zz"
    elif kind == "json":
        body, default_type = fz.json_text(data.draw(fz.JSON_VALUE)).encode(), "application/json"
    elif kind == "deep":
        body, default_type = fz.deeply_nested(data.draw(st.integers(1, 40_000))).encode(), "application/json"
    else:
        body, default_type = data.draw(st.binary(max_size=300)), fz.FORM_TYPE
    content_type = data.draw(st.one_of(st.just(default_type), fz.CONTENT_TYPE))
    return body, content_type


@fuzz_settings(200)
@given(data=st.data())
async def test_no_route_answers_500_leaks_or_changes_anything_when_it_refuses(world, data):
    table = route_table(world)
    template, methods = data.draw(st.sampled_from(table))
    path = PLACEHOLDER.sub(lambda _: data.draw(st.one_of(st.sampled_from(world.ids), PATH_SEGMENTS)), template)
    method = data.draw(st.one_of(st.sampled_from(methods), st.sampled_from(METHODS)))
    query = data.draw(fz.QUERY_PAIRS)
    url = path + ("?" + urlencode(query) if query else "")
    signed_in = data.draw(st.booleans())
    body, content_type = body_for(data, world, signed_in) if method not in ("GET", "HEAD") else (None, None)
    headers = data.draw(fz.HEADERS)
    if content_type is not None:
        headers["Content-Type"] = content_type
    if data.draw(st.booleans()):
        headers["Authorization"] = data.draw(
            st.one_of(
                fz.AUTHORIZATION,
                st.just(f"Bearer {world.api_key}"),
                st.just(fz.basic(world.client_id, world.client_secret)),
            )
        )
    response = await world.probe(method, url, headers=headers, content=body, signed_in=signed_in)
    event(f"{template} -> {response.status_code}")
