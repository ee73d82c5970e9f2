"""The access log's redaction (access_log.py): no credential-bearing query value reaches a log line."""

from __future__ import annotations

import logging

import pytest

from bastion.access_log import RedactSecrets, redact_target, uvicorn_log_config


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/console/setup?token=bst_su_abc-DEF_123", "/console/setup?token=[redacted]"),
        ("/cb?code=xyz&state=s1", "/cb?code=[redacted]&state=s1"),
        ("/x?client_secret=s&api_key=k&access_token=a&refresh_token=r", "/x?client_secret=[redacted]"
         "&api_key=[redacted]&access_token=[redacted]&refresh_token=[redacted]"),
        ("/x?TOKEN=abc", "/x?TOKEN=[redacted]"),
        ("/x?anything=bst_at_secret&page=2", "/x?anything=[redacted]&page=2"),
        ("/x?anything=bst%5Fat_secret", "/x?anything=[redacted]"),
        ("/mcp/bst_ak_secret/tail", "/mcp/[redacted]/tail"),
        ("/console/connections?q=acme&page=2", "/console/connections?q=acme&page=2"),
        ("/oauth/authorize?client_id=c&state=s", "/oauth/authorize?client_id=c&state=s"),
    ],
)  # fmt: skip
def test_secret_query_values_and_bastion_credentials_are_redacted(target, logged):
    assert redact_target(target) == logged


def test_the_filter_rewrites_the_target_of_an_access_log_record():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/console/setup?token=bst_su_x", "1.1", 200), None,
    )  # fmt: skip
    assert RedactSecrets().filter(record) is True
    assert record.getMessage() == '127.0.0.1:5000 - "GET /console/setup?token=[redacted] HTTP/1.1" 200'


def test_the_uvicorn_configuration_puts_the_filter_on_the_access_logger():
    config = uvicorn_log_config()
    assert config["loggers"]["uvicorn.access"]["filters"] == ["redact_secrets"]
    assert config["filters"]["redact_secrets"]["()"] is RedactSecrets
