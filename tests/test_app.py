"""The composition root: health, favicon, the not-found answer, security headers, the body-size guard, metrics."""


async def test_healthz_answers_ok(client):
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_the_browsers_favicon_request_finds_the_icon(client):
    response = await client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["location"] == "/static/favicon.svg"
    assert (await client.get("/static/favicon.svg")).headers["content-type"].startswith("image/svg+xml")


async def test_an_unknown_path_says_where_the_endpoints_are(client):
    response = await client.get("/nope")
    assert response.status_code == 404
    assert "The MCP endpoint is /mcp; the console is /console." in response.text


async def test_every_response_forbids_framing_and_sniffing_and_has_a_strict_csp(client):
    response = await client.get("/console/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


async def test_an_oversized_console_form_is_refused_before_it_is_read(client):
    response = await client.post("/console/login", content=b"x" * (65 * 1024))
    assert response.status_code == 413
    assert "larger than 64 KiB; nothing was changed" in response.text


async def test_metrics_report_active_connections_in_the_prometheus_format(client, services):
    from tests.factories import make_oauth_client

    await make_oauth_client(services)
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "bastion_connections_active 1" in response.text.splitlines()


async def test_metrics_report_the_batch_writers_queue_batches_and_rows(client, services):
    from tests.factories import make_api_key
    from tests.mcp.helpers import initialize_request, make_member, post_mcp

    key = (await make_api_key(services, await make_member(services))).secret
    await post_mcp(client, initialize_request(), token=key)  # one use of the connection
    await post_mcp(client, initialize_request(), token="bst_ak_unknown")  # one mcp.rejected entry
    await services.batch_writer.flush()

    lines = (await client.get("/metrics")).text.splitlines()

    assert "# TYPE bastion_batch_writer_queue_depth gauge" in lines
    assert "bastion_batch_writer_queue_depth 0" in lines
    assert "# TYPE bastion_batch_writer_batches_written_total counter" in lines
    written = next(line for line in lines if line.startswith("bastion_batch_writer_batches_written_total "))
    assert 1 <= int(written.split()[1]) <= 2  # one batch, or two if the requests fell in two windows
    assert "bastion_batch_writer_rows_written_total 2" in lines
    assert "bastion_batch_writer_rows_failed_total 0" in lines
