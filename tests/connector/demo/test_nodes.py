"""The generated sources read through the real adapters and the node configurations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.config import load_config
from connector.demo import DemoPaths
from connector.node import Node
from connector.sources.base import Condition, Select


@pytest.mark.anyio
async def test_atmo_readings_come_out_in_utc_with_qudt_units(demo: DemoPaths) -> None:
    node = Node.from_config(load_config(demo.atmo_toml))
    try:
        spaces = await node.select(Select("Space", ("id", "usage", "capacity")))
        assert len(spaces) == 6 and {s["usage"] for s in spaces} == {"classroom"}
        space = next(s for s in spaces if str(s["id"]).endswith("/RDC/CL01"))
        rows = await node.select(
            Select(
                "Observation",
                ("id", "sensorId", "spaceId", "observedProperty", "resultTime", "value", "unit"),
                where=(
                    Condition("sensorId", "eq", "ESC-CL01-CO2"),
                    Condition("resultTime", "gte", datetime(2025, 9, 2, 8, 0, tzinfo=UTC)),
                ),
                limit=1,
            )
        )
    finally:
        await node.aclose()
    (row,) = rows
    # stored as the local time 2025-09-02 10:00:00; Paris is UTC+2 in September
    assert row["resultTime"] == datetime(2025, 9, 2, 8, 0, tzinfo=UTC)
    assert (row["observedProperty"], row["unit"], row["spaceId"]) == (
        "co2",
        "unit:PPM",
        space["id"],
    )


@pytest.mark.anyio
async def test_cda_energy_is_read_in_kwh(demo: DemoPaths) -> None:
    node = Node.from_config(load_config(demo.cda_toml))
    try:
        (school,) = await node.select(
            Select(
                "Building",
                ("rnbId", "usage", "floorArea", "uai"),
                where=(Condition("uai", "eq", "0171234Z"),),
            )
        )
        uses = await node.select(
            Select(
                "EnergyUse",
                ("carrier", "use", "kwh"),
                where=(Condition("rnbId", "eq", school["rnbId"]), Condition("year", "eq", 2024)),
            )
        )
    finally:
        await node.aclose()
    assert (school["usage"], school["floorArea"]) == ("school", 1450.0)
    kwh = {(u["carrier"], u["use"]): u["kwh"] for u in uses}
    assert kwh == pytest.approx(
        {
            ("gaz naturel", "chauffage"): 70_470,
            ("électricité", "chauffage"): 23_490,
            ("électricité", "éclairage"): 23_490,
        }
    )


@pytest.mark.anyio
async def test_bouygues_export_is_read_through_the_csv_adapter(demo: DemoPaths) -> None:
    node = Node.from_config(load_config(demo.bouygues_toml))
    try:
        rows = await node.select(
            Select(
                "MaterialLine",
                ("id", "lot", "productId", "quantity", "unit"),
                where=(Condition("id", "eq", "EXT-SC-003"),),
            )
        )
    finally:
        await node.aclose()
    # third line of the school extension: foundations, 120 m³ of concrete (DEMO-0001)
    assert rows == [
        {
            "id": "EXT-SC-003",
            "lot": 2,
            "productId": "DEMO-0001",
            "quantity": 120.0,
            "unit": "unit:M3",
        }
    ]
