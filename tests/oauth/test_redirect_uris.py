import pytest

from bastion.oauth.redirect_uris import RedirectUriRejected, check_redirect_uri, redirect_uri_matches

REGISTERED = [
    "https://app.example.com/callback",
    "http://127.0.0.1:3000/callback",
    "http://localhost/oauth/callback",
    "http://[::1]:8080/cb",
]


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/callback",
        "https://claude.ai/api/mcp/auth_callback",
        "http://127.0.0.1:6276/oauth/callback",
        "http://localhost:6274/oauth/callback",
        "http://[::1]/callback",
        "https://chatgpt.com/connector/oauth/abc?x=1",
    ],
)
def test_https_and_loopback_http_redirect_uris_can_be_registered(uri):
    assert check_redirect_uri(uri) == uri


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("http://app.example.com/callback", "use https"),
        ("https://app.example.com/callback#frag", "fragment"),
        ("javascript:alert(1)", "not an absolute URL"),
        ("myapp:/callback", "not an absolute URL"),
        ("myapp://callback", "scheme 'myapp'"),
        ("ftp://files.example.com/cb", "scheme 'ftp'"),
        ("/callback", "not an absolute URL"),
        (" https://app.example.com/cb", "spaces"),
        ("https://user:pw@app.example.com/cb", "user name or password"),
        ("https://app.example.com:99999/cb", "not a valid URL"),
    ],
)
def test_unusable_redirect_uris_are_rejected_with_the_reason(uri, reason):
    with pytest.raises(RedirectUriRejected, match=reason):
        check_redirect_uri(uri)


def test_an_exact_registered_uri_matches():
    assert redirect_uri_matches("https://app.example.com/callback", REGISTERED)


@pytest.mark.parametrize(
    "requested",
    [
        "https://evil.example.com/callback",
        "https://app.example.com/callback/extra",
        "https://app.example.com/callback#x",
        "https://app.example.com/callback?next=evil",
        "https://app.example.com:8443/callback",
        "http://app.example.com/callback",
        "https://APP.example.com/callback",
        "http://127.0.0.1:3000/other",
        "http://127.0.0.2:3000/callback",
        "https://127.0.0.1:3000/callback",
    ],
)
def test_anything_but_an_exact_match_is_refused(requested):
    assert not redirect_uri_matches(requested, REGISTERED)


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:51234/callback",
        "http://127.0.0.1/callback",
        "http://localhost:9999/oauth/callback",
        "http://[::1]:1/cb",
    ],
)
def test_a_loopback_redirect_may_use_any_port(requested):
    assert redirect_uri_matches(requested, REGISTERED)


def test_the_loopback_port_exception_does_not_swap_loopback_host_spellings():
    assert not redirect_uri_matches("http://localhost:3000/callback", ["http://127.0.0.1:3000/callback"])
