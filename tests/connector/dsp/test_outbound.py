"""The messages a node sends: its own token from the issuer (kept until it nearly
expires), retries with growing pauses when the other side is down or failing, none when
it answers 4xx; a message that breaks its schema is never sent. The issuer and the other
node are ``httpx.MockTransport`` ports."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from connector.config.dsp import DspConfig
from connector.dsp.outbound import Outbound, SendError, audience_of
from connector.dsp.schemas import CONTEXT

pytestmark = pytest.mark.anyio
ISSUER = "https://issuer.example"
VERIFY = "negotiation/contract-agreement-verification-message-schema.json"
MESSAGE = {
    "@context": [CONTEXT],
    "@type": "ContractAgreementVerificationMessage",
    "providerPid": "urn:uuid:p",
    "consumerPid": "urn:uuid:c",
}


def test_the_audience_is_the_node_s_base_url() -> None:
    assert audience_of("http://127.0.0.1:8103/dsp/callback/negotiations/x/agreement") == (
        "http://127.0.0.1:8103"
    )
    assert audience_of("https://node.example/guichet/dsp/negotiations/x") == (
        "https://node.example/guichet"
    )
    assert audience_of("https://consumer.example/cb/negotiations/x") == "https://consumer.example"
    assert audience_of("https://dspace.example/dsp/transfers/x") == "https://dspace.example"
    assert audience_of("https://n.example/dspx/negotiations/x") == "https://n.example"


async def test_retries_then_gives_up_and_tokens_are_kept(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("s3cret", encoding="utf-8")
    seen: list[str] = []
    answers = iter([503, 502, 200, 500, 500, 500, 500, 409])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.startswith("/.well-known/"):
            return httpx.Response(200, json={"issuer": ISSUER, "token_endpoint": f"{ISSUER}/t"})
        if request.url.path == "/t":
            assert request.headers["authorization"].startswith("Basic ")
            assert b"resource=https%3A%2F%2Fprovider.example" in request.content
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 300})
        assert request.headers["authorization"] == "Bearer tok"
        return httpx.Response(next(answers))

    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    credentials = DspConfig(ISSUER, "client", secret_file=tmp_path / "secret")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        out = Outbound(credentials, client, sleep=sleep)
        url = "https://provider.example/dsp/negotiations/urn:uuid:p/agreement/verification"
        await out.deliver(url, MESSAGE, VERIFY)  # 503, 502, then 200
        assert pauses == [0.5, 1.0]
        with pytest.raises(SendError, match="failed after 4 attempts: HTTP 500"):
            await out.deliver(url, MESSAGE, VERIFY)
        assert pauses == [0.5, 1.0, 0.5, 1.0, 2.0]
        with pytest.raises(SendError, match="was refused: HTTP 409"):
            await out.deliver(url, MESSAGE, VERIFY)  # a 4xx: once
        with pytest.raises(SendError, match="is invalid"):
            await out.deliver(url, {**MESSAGE, "providerPid": 1}, VERIFY)
    posts = [s for s in seen if s.startswith("POST /dsp")]
    assert len(posts) == 3 + 4 + 1
    assert seen.count("POST /t") == 1  # one token, kept


async def test_without_credentials_nothing_is_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing should be sent")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        out = Outbound(None, client)
        with pytest.raises(Exception, match=r"no \[dsp\] credentials"):
            await out.deliver("https://provider.example/dsp/x", MESSAGE, VERIFY)
