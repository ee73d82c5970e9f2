import pytest

from bastion.oauth.errors import InvalidGrant, InvalidRequest
from bastion.oauth.pkce import check_code_challenge, s256, verify_pkce

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
# RFC 7636 Appendix B's example pair.
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_matches_the_rfc_7636_example():
    assert s256(VERIFIER) == CHALLENGE


def test_a_matching_verifier_passes():
    verify_pkce(VERIFIER, CHALLENGE)


@pytest.mark.parametrize(
    ("verifier", "message"),
    [
        (None, "code_verifier is required"),
        ("short", "43-128 characters"),
        ("a" * 129, "43-128 characters"),
        ("x" * 43, "does not match"),
    ],
)
def test_a_missing_malformed_or_wrong_verifier_is_invalid_grant(verifier, message):
    with pytest.raises(InvalidGrant, match=message) as caught:
        verify_pkce(verifier, CHALLENGE)
    assert caught.value.error == "invalid_grant"


@pytest.mark.parametrize(("method", "message"), [("plain", "only S256"), (None, "only S256"), ("S512", "only S256")])
def test_pkce_downgrade_to_another_method_is_refused(method, message):
    with pytest.raises(InvalidRequest, match=message):
        check_code_challenge(CHALLENGE, method)


def test_a_missing_challenge_is_refused():
    with pytest.raises(InvalidRequest, match="code_challenge is required"):
        check_code_challenge(None, "S256")


def test_a_challenge_that_is_not_a_sha256_digest_is_refused():
    with pytest.raises(InvalidRequest, match="base64url-encoded SHA-256"):
        check_code_challenge("too-short", "S256")
