"""A citizen asks "who read my house's data?": the DPD finds every access to one building by
its RNB id or its address. Entries keep the keys of the entities each request read —
as they are for open data, as pseudonyms (HMAC under the node's key) for personal data, so
the log holds no dwelling's identifier in clear — and the search finds both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.connector.dpd.console_node import running, write_console_node
from tests.connector.usage.conftest import Clock

pytestmark = pytest.mark.anyio

HOUSE = "PG46YY6YJW8N"  # tiny.py: « École des Salines », 2 energy uses (personal here)
OTHER = "A1B2C3D4E5F6"  # « Gymnase Nord », 1 energy use
READ = '{ building(rnbId: "%s") { name energyUses { id kwh } } }'
LOG = """query($f: AuditFilterInput) { auditLog(filter: $f, first: 100) {
  entries { seq party datasets decision rowsReturned details } } }"""


async def test_every_access_to_one_building_is_found_by_its_rnb_id(
    tmp_path: Path, clock: Clock
) -> None:
    async with running(write_console_node(tmp_path), clock) as dpd:
        mine = await dpd.graphql(READ % HOUSE, token="city")
        assert "errors" not in mine, mine
        assert len(mine["data"]["building"]["energyUses"]) == 2
        await dpd.graphql(READ % OTHER, token="city")
        await dpd.graphql("{ buildings(first: 4) { nodes { name } } }", token="ana")
        found = (await dpd.data(LOG, f={"entity": HOUSE}))["auditLog"]["entries"]
        other = (await dpd.data(LOG, f={"entity": OTHER}))["auditLog"]["entries"]
        everything = (await dpd.data(LOG))["auditLog"]["entries"]
    # the house: city's two entries (its register row, its energy uses) and ana's page,
    # which listed every building; not the entries of the other building's read alone
    assert sorted((e["party"].rsplit("/", 1)[-1], e["datasets"][0]) for e in found) == [
        ("ana", "registre"),
        ("city", "energie"),
        ("city", "registre"),
    ]
    energy = next(e for e in found if e["datasets"] == ["energie"])
    details = json.loads(energy["details"])
    assert energy["rowsReturned"] == 2
    # personal data: the energy uses' ids and the house they are about, as pseudonyms only
    assert len(details["keys"]["EnergyUse"]) == 3  # two uses' keys and their one subject
    assert all(k.startswith("anon-") for k in details["keys"]["EnergyUse"])
    assert HOUSE not in energy["details"]
    register = next(e for e in found if e["datasets"] == ["registre"] and "city" in e["party"])
    assert json.loads(register["details"])["keys"] == {"Building": [HOUSE]}  # open data
    assert {e["seq"] for e in other} & {e["seq"] for e in found} == {
        e["seq"] for e in found if "ana" in e["party"]
    }
    assert len(everything) > len(found)


async def test_bad_searches_are_named(tmp_path: Path, clock: Clock) -> None:
    async with running(write_console_node(tmp_path), clock) as dpd:
        no_address = await dpd(LOG, f={"address": "1 rue de Nulle Part"})
        blank = await dpd(LOG, f={"entity": " "})
    # tiny.py's register has no address column
    assert no_address["errors"][0]["message"] == (
        "filter.address: this node's buildings have no address"
    )
    assert blank["errors"][0]["message"].startswith("filter.entity: expected an entity key")
