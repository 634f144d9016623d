from __future__ import annotations

import pytest

from linkvet.netpolicy import NetPolicy, non_global_reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.1.1", "not globally routable"),
        ("::ffff:127.0.0.1", "loopback"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
        ("not-an-ip", "not an IP address"),
    ],
)
def test_non_global_reason(address: str, reason: str | None) -> None:
    assert non_global_reason(address) == reason


def test_default_policy_refuses_private_and_names_the_setting() -> None:
    message = NetPolicy().refusal("intranet.corp", ["10.0.0.5"])
    assert message is not None
    assert "10.0.0.5" in message and "LINKVET_ALLOW_HOSTS" in message
    assert "LINKVET_ALLOW_PRIVATE" in message


def test_allowlist_opens_only_matching_hosts() -> None:
    policy = NetPolicy(allow_hosts=("*.example", "intranet.corp"))
    assert policy.refusal("blog.example", ["100.64.1.1"]) is None
    assert policy.refusal("intranet.corp", ["10.0.0.5"]) is None
    assert policy.refusal("example", ["127.0.0.1"]) is not None
    assert policy.refusal("evil.example.com", ["127.0.0.1"]) is not None
    assert NetPolicy(allow_private=True).refusal("x", ["127.0.0.1"]) is None


def test_public_hosts_and_unresolvable_hosts_pass() -> None:
    assert NetPolicy().refusal("example.com", ["93.184.215.14"]) is None
    assert NetPolicy().refusal("nx.invalid", []) is None
