"""The daily rollup under usage control, on the adversary partner of ``test_bypass``:
a caller whose use is judged on cells (anyone: whole days of at least the node's
minimum of readings) never gets the rollup, whose day rows know nothing of cells; the
school's staff, who may read the readings, get it.

To see which path answered, the rollup is falsified after it is built (1,000 readings
added to every day row): only an answer read from it can show them.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from connector.app import create_app
from connector.config import load_config
from connector.node import Node
from connector.rollup import IconeRollup
from tests.connector.usage.adversary import BUILDING, PARIS, make_partner, occupied
from tests.connector.usage.test_bypass import READINGS, Tokens, icone_oracle, iso

MONDAY = datetime(2026, 1, 5, tzinfo=PARIS)
QUERY = (
    '{{ x: space(id: "{b}/R1") {{ indoorAir(from: "{a}", to: "{z}") '
    "{{ occupiedReadings weeks {{ week occupiedReadings }} }} }} }}"
)
FAKE = 1000


def test_callers_judged_on_cells_never_read_the_rollup(tmp_path: Path) -> None:
    config_file = make_partner(tmp_path)
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(f'{text}\n[indoor_air.rollup]\ntable = "icone_jour"\n', "utf-8")
    config = load_config(config_file)
    loop = asyncio.new_event_loop()

    async def build() -> None:
        node = Node.from_config(config)
        await IconeRollup(config, node.sources).refresh(node)
        await node.aclose()

    loop.run_until_complete(build())
    with sqlite3.connect(tmp_path / "adversary.db") as db:
        days = db.execute(
            "SELECT count(*) FROM icone_jour WHERE space = ? AND day >= ? AND day < ? "
            "AND strftime('%w', day) NOT IN ('0', '6')",
            (f"{BUILDING}/R1", "2026-01-05", "2026-01-12"),
        ).fetchone()[0]
        db.execute("UPDATE icone_jour SET n = n + ?", (FAKE,))
    assert days > 0
    app = create_app(config, verifier=Tokens())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x")

    def ask(token: str | None = None) -> dict[str, object]:
        a, z = MONDAY, MONDAY + timedelta(days=7)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        query = QUERY.format(b=BUILDING, a=iso(a), z=iso(z))
        r = loop.run_until_complete(client.post("/graphql", json={"query": query}, headers=headers))
        body: dict[str, object] = r.json()
        assert "errors" not in body, body
        return body["data"]["x"]["indoorAir"]  # type: ignore[index, no-any-return]

    try:
        every = [
            r
            for r in READINGS
            if r.room == "R1" and occupied(r) and MONDAY <= r.local < MONDAY + timedelta(days=7)
        ]
        kept = icone_oracle("R1", MONDAY, MONDAY + timedelta(days=7))
        assert 0 < len(kept) < len(every) + days * FAKE
        anyone = ask()
        assert anyone["occupiedReadings"] == len(kept)  # the readings' cells, not the rollup
        staff = ask("ana")
        assert staff["occupiedReadings"] == len(every) + days * FAKE  # the rollup's rows
    finally:
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(app.state.usage.audit.aclose())
        loop.run_until_complete(app.state.node.aclose())
        loop.close()
