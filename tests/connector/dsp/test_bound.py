"""The transfers' tokens at the node's verifier: known by their hash, good while the
transfer is STARTED and until they expire; any other token is the node's verifier's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from connector.dsp.bound import BoundTokens
from connector.dsp.store import DspStore
from connector.dsp.transfer_views import token_hash
from connector.errors import AuthError
from connector.identity import Identity
from connector.usage.agreements import AgreementStore

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


class Inner:
    """The node's own verifier (the port), answering one opaque token."""

    async def verify(self, authorization_header: str | None) -> Identity:
        if authorization_header == "Bearer jwt":
            return Identity(party="https://example.org/p", token_id="j")
        raise AuthError("not ours")


async def test_expired_unknown_and_other_tokens(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'state.db'}")
    store = DspStore(engine)
    row = {
        "provider_pid": "urn:uuid:t",
        "consumer_pid": "urn:uuid:c",
        "party": "https://example.org/p",
        "agreement": "https://example.org/agreements/a",
        "dataset": "energie",
        "callback": "https://example.org/cb",
        "token_hash": token_hash("gdsp_old"),
        "token_expires": (NOW - timedelta(seconds=1)).isoformat(),
        "state": "STARTED",
        "created": NOW.isoformat(),
    }
    await store.transfers.insert(row, unique={"provider_pid": "urn:uuid:t"})
    agreements = AgreementStore("", engine=engine)
    tokens = BoundTokens(Inner(), store.transfers, agreements, lambda: NOW)
    with pytest.raises(AuthError, match=re.escape(f"expired at {row['token_expires']}")):
        await tokens.verify("Bearer gdsp_old")
    with pytest.raises(AuthError, match="not valid: unknown"):
        await tokens.verify("Bearer gdsp_never-given")
    assert (await tokens.verify("Bearer jwt")).token_id == "j"
    with pytest.raises(AuthError, match="not ours"):
        await tokens.verify("Bearer other")
    bare = BoundTokens(None, store.transfers, agreements, lambda: NOW)
    assert (await bare.verify(None)).anonymous
    with pytest.raises(AuthError, match="accepts no tokens"):
        await bare.verify("Bearer jwt")
    await engine.dispose()
