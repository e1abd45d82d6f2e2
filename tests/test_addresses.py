"""The address rule for sources added from Telegram: the policy, URL checks, guarded fetches.

Every test server is on loopback, so where a "public" server is needed the policy is told to
count 127.0.0.2 as public (AddressPolicy.also_public) while 127.0.0.1 stays refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from ipaddress import ip_address, ip_network

import pytest

from bot.ingest.addresses import AddressPolicy, Refusal, odd_numeric_host
from bot.ingest.fetch import check_public, fetch, make_client
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

POLICY = AddressPolicy()
TEST_POLICY = AddressPolicy(also_public=(ip_network("127.0.0.2/32"),))
RSS = make_rss("Public", [{"title": "Un", "guid": "1"}])


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("100.64.0.1", "non-global"),  # carrier-grade NAT
        ("192.0.2.1", "private"),  # documentation
        ("240.0.0.1", "private"),
        ("255.255.255.255", "private"),
        ("fec0::1", "site-local"),
    ],
)
def test_non_public_addresses_are_refused_with_their_reason(address: str, reason: str) -> None:
    assert POLICY.reason(ip_address(address)) == reason


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert POLICY.reason(ip_address(address)) is None


def test_also_public_lets_one_test_address_through_and_no_other() -> None:
    assert TEST_POLICY.reason(ip_address("127.0.0.2")) is None
    assert TEST_POLICY.reason(ip_address("127.0.0.1")) == "loopback"
    assert TEST_POLICY.reason(ip_address("::1")) == "loopback"


@pytest.mark.parametrize(
    ("host", "odd"),
    [
        ("2130706433", True),
        ("0x7f000001", True),
        ("0177.0.0.1", True),
        ("127.1", True),
        ("0x7f.1", True),
        ("127.000.000.001", True),
        ("127.0.0.1", False),
        ("8.8.8.8", False),
        ("numerama.com", False),
        ("1password.com", False),
        ("123.example", False),
    ],
)
def test_numeric_hosts_spelled_unusually(host: str, odd: bool) -> None:
    assert odd_numeric_host(host) is odd


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://localhost:8080/feed", Refusal("not_public", "localhost", "127.0.0.1", "loopback")),
        ("http://127.0.0.1/feed", Refusal("not_public", "127.0.0.1", "127.0.0.1", "loopback")),
        ("http://[::1]/feed", Refusal("not_public", "::1", "::1", "loopback")),
        ("http://0.0.0.0/", Refusal("not_public", "0.0.0.0", "0.0.0.0", "unspecified")),
        (
            "http://169.254.169.254/latest/meta-data/",
            Refusal("not_public", "169.254.169.254", "169.254.169.254", "cloud metadata"),
        ),
        (
            "http://[::ffff:127.0.0.1]/",
            # Printed as Python prints it (::ffff:7f00:1 before 3.13).
            Refusal(
                "not_public", "::ffff:127.0.0.1", str(ip_address("::ffff:127.0.0.1")), "loopback"
            ),
        ),
        ("http://2130706433/", Refusal("numeric", "2130706433")),
        ("http://0x7f000001/", Refusal("numeric", "0x7f000001")),
        ("http://0177.0.0.1/", Refusal("numeric", "0177.0.0.1")),
        ("http://127.1/", Refusal("numeric", "127.1")),
        ("http://nowhere.invalid/feed", Refusal("unresolved", "nowhere.invalid")),
        ("ftp://example.org/feed", Refusal("scheme")),
        ("http:///feed", Refusal("scheme")),
        ("https://93.184.215.14/feed", None),
    ],
)
async def test_urls_are_checked_after_resolution(url: str, refusal: Refusal | None) -> None:
    assert await check_public(url, POLICY) == refusal


def test_refusals_read_as_one_line() -> None:
    assert str(Refusal("not_public", "localhost", "127.0.0.1", "loopback")) == (
        "refused: localhost (127.0.0.1) is a loopback address, not a public one"
    )
    assert str(Refusal("numeric", "127.1")) == (
        "refused: 127.1 is a numeric address spelled unusually"
    )


@pytest.fixture
async def servers() -> AsyncIterator[tuple[FeedServer, FeedServer]]:
    """A "public" server on 127.0.0.2 and a private one on 127.0.0.1."""
    async with FeedServer(host="127.0.0.2") as public, FeedServer() as private:
        public.set("/feed.xml", RSS)
        private.set("/secret.xml", RSS)
        yield public, private


async def test_guarded_fetch_reaches_public_addresses(servers) -> None:
    public, _ = servers
    async with make_client(timeout=2, policy=TEST_POLICY) as client:
        result = await fetch(client, public.url("/feed.xml"))
    assert (result.status, result.body) == ("ok", RSS)


async def test_guarded_fetch_never_connects_to_a_refused_address(servers) -> None:
    public, private = servers
    port = private.port
    public.redirect("/moved.xml", private.url("/secret.xml"))
    async with make_client(timeout=2, policy=TEST_POLICY) as client:
        redirected = await fetch(client, public.url("/moved.xml"))
        direct = await fetch(client, private.url("/secret.xml"))
        by_name = await fetch(client, f"http://localhost:{port}/secret.xml")
        numeric = await fetch(client, f"http://2130706433:{port}/secret.xml")
    loopback = "refused: 127.0.0.1 is a loopback address, not a public one"
    assert (redirected.status, redirected.error) == ("error", loopback)
    assert public.hits["/moved.xml"] == 1
    assert (direct.status, direct.error) == ("error", loopback)
    assert by_name.error == "refused: localhost (127.0.0.1) is a loopback address, not a public one"
    assert numeric.error == (
        "refused: 2130706433 (127.0.0.1) is a loopback address, not a public one"
    )
    assert private.hits["/secret.xml"] == 0  # not one request reached it


async def test_the_plain_client_is_not_guarded(servers) -> None:
    _, private = servers
    async with make_client(timeout=2) as client:
        result = await fetch(client, private.url("/secret.xml"))
    assert result.status == "ok"
