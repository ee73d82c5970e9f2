import pytest

from bastion.oauth.errors import InvalidTarget
from bastion.oauth.resource import check_resource

OURS = "https://mcp.example.com/mcp"


@pytest.mark.parametrize("requested", [None, "", [], OURS, OURS + "/", [OURS, OURS]])
def test_absent_or_our_resource_means_our_mcp_endpoint(requested):
    assert check_resource(requested, OURS) == OURS


@pytest.mark.parametrize(
    "requested", ["https://other.example.com/mcp", "https://mcp.example.com/", [OURS, "https://x/"]]
)
def test_a_foreign_resource_is_invalid_target(requested):
    with pytest.raises(InvalidTarget, match="is not served here") as caught:
        check_resource(requested, OURS)
    assert caught.value.error == "invalid_target"
