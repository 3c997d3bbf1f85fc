"""ICONE from the daily rollup (``[indoor_air.rollup]``) against ICONE from the readings,
on Atmo's demo year (SQLite): the same answers, byte for byte, over aligned and cut
periods, the days after the last refresh, a new timetable (another fingerprint), and
the partner's own rollup table; a reading that arrives late for a rolled-up day is not
in the rollup until ``guichet rollup refresh --since``.

The readings are integers (ppm), so the means from sums are exact on both paths.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import pytest

from connector.config import NodeConfig, load_config
from connector.config.rollup import RollupConfig
from connector.demo import DemoPaths
from connector.node import Node
from connector.rollup import IconeRollup
from connector.rollup_cli import main as rollup_main
from tests.connector.conftest import Runner

pytestmark = pytest.mark.anyio

PARIS = ZoneInfo("Europe/Paris")
ROOM = "TDGWG1TP7CPG/RDC/CL01"
TABLE = "guichet_icone_jour"
FIGURES = "icone f1 f2 shareAbove800 shareAbove1500 mean max occupiedReadings"
ROOM_QUERY = f"""query($id: ID!, $a: DateTime, $b: DateTime) {{ space(id: $id) {{
  indoorAir(from: $a, to: $b) {{ {FIGURES} periodStart periodEnd
    weeks {{ week periodStart periodEnd {FIGURES} }} worstWeek {{ week icone }} }} }} }}"""
PERIOD_QUERY = f"""query($id: ID!, $a: DateTime, $b: DateTime) {{ space(id: $id) {{
  indoorAir(from: $a, to: $b) {{ {FIGURES} }} }} }}"""
ALL_QUERY = f"""{{ spaces(first: 50) {{ nodes {{ id
  indoorAir(from: "2025-11-03T10:00:00+01:00", to: "2026-03-02T00:00:00+01:00") {{
    spaceId {FIGURES} weeks {{ week {FIGURES} }} worstWeek {{ week }} }} }} }} }}"""
YEAR = ("2025-09-01T00:00:00+02:00", "2026-09-01T00:00:00+02:00")
CUT = ("2025-10-08T09:30:00+02:00", "2025-12-03T15:00:00+01:00")  # cut days at both ends


def local(day: date, hour: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).isoformat()


@pytest.fixture
def db(demo: DemoPaths, tmp_path: Path) -> Path:
    """A copy of Atmo's demo database that the test may write to."""
    target = tmp_path / "atmo.db"
    shutil.copy(demo.atmo_db, target)
    return target


def configs(demo: DemoPaths, url: str, **rollup: Any) -> tuple[NodeConfig, NodeConfig]:
    """Atmo's node on ``url``: without a rollup, and with the one ``rollup`` describes."""
    config = load_config(demo.atmo_toml)
    sources = dict(config.sources)
    sources["plateforme"] = dataclasses.replace(sources["plateforme"], url=url)
    raw = dataclasses.replace(config, sources=sources)
    assert raw.indoor_air is not None
    air = dataclasses.replace(raw.indoor_air, rollup=RollupConfig(**{"table": TABLE, **rollup}))
    return raw, dataclasses.replace(raw, indoor_air=air)


async def refresh(config: NodeConfig, **kw: Any) -> Any:
    node = Node.from_config(config)
    try:
        return await IconeRollup(config, node.sources).refresh(node, **kw)
    finally:
        await node.aclose()


async def same(raw: Runner, rolled: Runner, query: str, **variables: Any) -> tuple[Any, int]:
    """Both nodes' answers, required byte-identical; the answer and the rolled-up
    node's statement count for it."""
    want = await raw(query, **variables)
    assert want.errors is None, want.errors
    before = rolled.statements()
    got = await rolled(query, **variables)
    assert got.errors is None, got.errors
    assert json.dumps(got.data, sort_keys=True) == json.dumps(want.data, sort_keys=True)
    return got.data, rolled.statements() - before


async def runners(raw: NodeConfig, rolled: NodeConfig) -> tuple[Runner, Runner]:
    a, b = Runner(Node.from_config(raw)), Runner(Node.from_config(rolled))
    await b(PERIOD_QUERY, id=ROOM, a=CUT[0], b=CUT[1])  # reads the tables' schema once
    return a, b


async def test_rollup_answers_as_the_readings_over_aligned_cut_and_open_periods(
    demo: DemoPaths, db: Path
) -> None:
    raw, rolled = configs(demo, f"sqlite+aiosqlite:///{db}")
    done = await refresh(rolled)
    yesterday = datetime.now(UTC).astimezone(PARIS).date() - timedelta(days=1)
    assert done.full and done.first == date(2025, 9, 1) and done.last == yesterday
    # 6 rooms x 365 days with readings in the hours (the rollup keeps every weekday)
    assert done.rows == 6 * 365
    a, b = await runners(raw, rolled)
    year, n = await same(a, b, ROOM_QUERY, id=ROOM, a=YEAR[0], b=YEAR[1])
    assert year["space"]["indoorAir"]["occupiedReadings"] > 5000
    assert n == 2  # the space; the rollup by week with its state (no cut day)
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=CUT[0], b=CUT[1])
    assert n == 4  # ... and the readings of the cut first and last days
    _, n = await same(a, b, PERIOD_QUERY, id=ROOM, a=CUT[0], b=CUT[1])
    assert n == 4  # the period alone: from the same weekly rows
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=None, b=None)
    assert n == 4  # all time: from 1900 to the rollup, then from it to 2200
    today = datetime.now(UTC).astimezone(PARIS).date()
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=YEAR[0], b=local(today + timedelta(days=1)))
    assert n == 3  # the rollup up to yesterday, then today from the readings
    every, n = await same(a, b, ALL_QUERY)
    assert n == 3  # the spaces, then one batch: the rollup, one cut day
    assert len([s for s in every["spaces"]["nodes"] if s["indoorAir"]]) == 6


async def test_days_after_the_last_refresh_and_today_come_from_the_readings(
    demo: DemoPaths, db: Path
) -> None:
    """The rollup refreshed on 15 March 2026 (its state moved back), and readings of
    today, inside the school's hours: the answers still equal the readings'."""
    raw, rolled = configs(demo, f"sqlite+aiosqlite:///{db}")
    await refresh(rolled)
    today = datetime.now(UTC).astimezone(PARIS).date()
    with sqlite3.connect(db) as conn:
        conn.execute(f"UPDATE {TABLE}_meta SET through = '2026-03-15'")
        sensor = conn.execute(
            "SELECT id_capteur FROM capteurs WHERE polluant = 'CO2' AND salle = 'CL01'"
        ).fetchone()[0]
        conn.executemany(
            "INSERT INTO mesures (capteur, horodatage, polluant, valeur, unite) "
            "VALUES (?, ?, 'CO2', ?, 'ppm')",
            [(sensor, f"{today} {h:02d}:00:00", 1800.0) for h in range(8, 17)],
        )
    a, b = await runners(raw, rolled)
    until = local(today + timedelta(days=1))
    answer, n = await same(a, b, ROOM_QUERY, id=ROOM, a=local(date(2026, 1, 5)), b=until)
    assert n == 3  # the rollup to 15 March, the readings from 16 March to tomorrow
    weeks = {w["week"] for w in answer["space"]["indoorAir"]["weeks"]}
    assert {"2026-W11", "2026-W12"} <= weeks  # either side of the refresh


async def test_another_timetable_reads_the_readings_until_the_rollup_is_rebuilt(
    demo: DemoPaths, db: Path
) -> None:
    raw, rolled = configs(demo, f"sqlite+aiosqlite:///{db}")
    await refresh(rolled)
    assert rolled.indoor_air is not None and raw.indoor_air is not None
    hours = ((datetime.min.time().replace(hour=8), datetime.min.time().replace(hour=12)),)
    raw2 = dataclasses.replace(raw, indoor_air=dataclasses.replace(raw.indoor_air, hours=hours))
    rolled2 = dataclasses.replace(
        rolled, indoor_air=dataclasses.replace(rolled.indoor_air, hours=hours)
    )
    node = Node.from_config(rolled2)
    assert await IconeRollup(rolled2, node.sources).through() is None  # stale fingerprint
    await node.aclose()
    a, b = await runners(raw2, rolled2)
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=YEAR[0], b=YEAR[1])
    assert n == 3  # the space, the rollup (another node's state: no row), the readings
    done = await refresh(rolled2)  # not asked for --full: rebuilt all the same
    assert done.full and done.rows == 6 * 365
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=YEAR[0], b=YEAR[1])
    assert n == 2  # the space, the rollup by week


async def cli(*argv: str) -> int:
    """``guichet rollup ...`` as the command runs it (its own event loop, in a thread)."""
    return await anyio.to_thread.run_sync(rollup_main, list(argv))


async def test_a_late_reading_is_missed_until_refresh_since_its_day(
    demo: DemoPaths, db: Path, tmp_path: Path
) -> None:
    """A 3,000 ppm reading at 10:05 on Monday 6 October 2025 (a class day, inside the
    hours) added after the rollup: the readings count it, the rollup does not, until
    ``guichet rollup refresh CONFIG --since 2025-10-06``."""
    toml = demo.atmo_toml.read_text(encoding="utf-8").replace(
        "sqlite+aiosqlite:///atmo.db", f"sqlite+aiosqlite:///{db}"
    )
    config_file = demo.atmo_toml.parent / f"atmo-rollup-{tmp_path.name}.toml"
    config_file.write_text(f'{toml}\n[indoor_air.rollup]\ntable = "{TABLE}"\n', encoding="utf-8")
    try:
        assert await cli("refresh", str(config_file)) == 0
        rolled = load_config(config_file)
        raw, _ = configs(demo, f"sqlite+aiosqlite:///{db}")
        with sqlite3.connect(db) as conn:
            sensor = conn.execute(
                "SELECT id_capteur FROM capteurs WHERE polluant = 'CO2' AND salle = 'CL01'"
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO mesures (capteur, horodatage, polluant, valeur, unite) "
                "VALUES (?, '2025-10-06 10:05:00', 'CO2', 3000.0, 'ppm')",
                (sensor,),
            )
        a, b = await runners(raw, rolled)
        week = {"id": ROOM, "a": "2025-10-06T00:00:00+02:00", "b": "2025-10-13T00:00:00+02:00"}
        from_readings = (await a(PERIOD_QUERY, **week)).data["space"]["indoorAir"]
        from_rollup = (await b(PERIOD_QUERY, **week)).data["space"]["indoorAir"]
        assert from_readings["occupiedReadings"] == from_rollup["occupiedReadings"] + 1
        assert from_readings["max"] == 3000.0 != from_rollup["max"]
        assert await cli("refresh", str(config_file), "--since", "2025-10-06") == 0
        await same(a, b, ROOM_QUERY, **week)
        await same(a, b, ROOM_QUERY, id=ROOM, a=YEAR[0], b=YEAR[1])
    finally:
        config_file.unlink()


async def test_the_partners_own_rollup_mapped_by_its_columns(demo: DemoPaths, db: Path) -> None:
    """A partner table with its own names (site, floor and room apart), filled here from
    the managed rollup: read through ``columns``, it answers as the readings."""
    _, managed = configs(demo, f"sqlite+aiosqlite:///{db}")
    await refresh(managed)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE agregat_jour (site TEXT, etage TEXT, salle TEXT, jour TEXT, nb INT, "
            "nb_1000 INT, nb_1700 INT, nb_800 INT, nb_1500 INT, somme REAL, maxi REAL)"
        )
        rows = conn.execute(f"SELECT * FROM {TABLE}").fetchall()
        conn.executemany(
            "INSERT INTO agregat_jour VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r[0].split("/"), *r[1:]) for r in rows],
        )
        conn.execute(f"DROP TABLE {TABLE}")
    columns = {
        "space": ("site", "etage", "salle"),
        "day": ("jour",),
        "n": ("nb",),
        "n_above_f1_lower": ("nb_1000",),
        "n_above_f2_lower": ("nb_1700",),
        "n_above_guidance": ("nb_800",),
        "n_above_action": ("nb_1500",),
        "total": ("somme",),
        "max": ("maxi",),
    }
    raw, theirs = configs(
        demo, f"sqlite+aiosqlite:///{db}", table="agregat_jour", managed=False, columns=columns
    )
    a, b = await runners(raw, theirs)
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=CUT[0], b=CUT[1])
    assert n == 4  # the space, the rollup, the readings of the two cut days
    await same(a, b, ROOM_QUERY, id=ROOM, a=YEAR[0], b=YEAR[1])
