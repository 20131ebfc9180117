"""Where a request must not go: another host by redirect, a server TLS cannot vouch for.

Issue 7's scenarios 9 and 10, over real loopback HTTP:

9. a redirect (301, 302, 303, 307, 308) to another sandbox is not followed:
   ProtocolError naming the target without its query (where a token would
   be), no retry, and the other sandbox never sees a connection, so the
   login in the first envelope (the credentials) went nowhere else;
10. TLS: a certificate from an authority the client does not trust, or
   for another host name, is refused by default: RequestNotSent, and the
   sandbox receives no envelope.
"""

from __future__ import annotations

import ssl

import pytest
import trustme
from reliability_support import LIST, Figures, client_for

from ttnc_pipeline import ManualClock, ProtocolError, RequestNotSent, RetryPolicy
from ttnc_pipeline.sandbox import Sandbox


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_not_followed_and_credentials_stay(
    sandbox: Sandbox, status: int, figures: Figures
) -> None:
    clock = ManualClock()
    with Sandbox() as elsewhere:
        target = elsewhere.url
        sandbox.faults.status(status, {"Location": f"{target}?session=a-token#frag"})
        client = client_for(sandbox, clock)
        with pytest.raises(ProtocolError, match=f"{status} redirect") as caught:
            client.send(LIST)  # the first envelope carries the login
        client.close()
        assert elsewhere.journal.connections_opened == 0
        assert elsewhere.journal.envelope_count == 0
    assert caught.value.status == status
    assert target in str(caught.value)  # where it wanted to go...
    assert "a-token" not in str(caught.value) and "frag" not in str(caught.value)  # ...no token
    assert clock.slept == []  # a redirect is not a reason to try again
    envelopes = sandbox.journal.envelopes
    assert len(envelopes) == 1
    assert envelopes[0].operations == ("Auth/SessionLogin", "NoveroNumbers/ListNumbers")
    assert sandbox.journal.count(None, ok=None) == 0
    figures.add("faults", {"scenario": f"9 redirect {status}", "outcome": "ProtocolError"})


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    """A certificate authority no trust store knows."""
    return trustme.CA()


def tls_sandbox(authority: trustme.CA, *names: str) -> Sandbox:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*names).configure_cert(context)
    return Sandbox(ssl_context=context)


@pytest.mark.parametrize(
    ("names", "trusted"),
    [
        pytest.param(("127.0.0.1", "localhost"), False, id="unknown authority"),
        pytest.param(("ttnc.example",), True, id="another host's certificate"),
    ],
)
def test_a_certificate_tls_cannot_vouch_for_is_refused_by_default(
    authority: trustme.CA, names: tuple[str, ...], trusted: bool, figures: Figures
) -> None:
    clock = ManualClock()
    with tls_sandbox(authority, *names) as sandbox, authority.cert_pem.tempfile() as ca_file:
        options = {"read_timeout": 5.0, **({"ca_certs": ca_file} if trusted else {})}
        client = client_for(
            sandbox, clock, retry=RetryPolicy(max_attempts=2), transport_options=options
        )
        with pytest.raises(RequestNotSent, match=r"(?i)certificate|hostname|match") as caught:
            client.send(LIST)
        client.close()
    assert "SSL" in repr(caught.value.__cause__)
    assert sandbox.journal.envelope_count == 0
    assert sandbox.journal.connections_opened == 2  # a handshake per attempt, nothing after
    assert clock.slept == [0.5]
    figures.add(
        "faults",
        {"scenario": f"10 TLS, {'wrong host' if trusted else 'unknown CA'}", "outcome": "not sent"},
    )


def test_the_same_sandbox_is_reached_once_its_authority_is_trusted(authority: trustme.CA) -> None:
    """The control: the refusals above are about trust, not a broken server."""
    with tls_sandbox(authority, "127.0.0.1") as sandbox, authority.cert_pem.tempfile() as ca_file:
        client = client_for(sandbox, ManualClock(), transport_options={"ca_certs": ca_file})
        assert client.send(LIST).ok
        client.close()
    assert sandbox.journal.envelope_count == 1
