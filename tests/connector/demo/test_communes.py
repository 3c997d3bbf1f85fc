"""The demo's register and the policy's area list come from one list of communes
(``policies/data/communes.csv``) and agree."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path

from connector.demo import DemoPaths, refdata
from policies.vocab import AREA, GP, profile_types

DEMO = Path(refdata.__file__).resolve().parent


def policy_communes() -> set[str]:
    """INSEE codes of the policy's commune areas (``odrl:spatial`` targets)."""
    prefix = AREA + "commune-"
    return {
        area.removeprefix(prefix)
        for area, kinds in profile_types().items()
        if GP + "Commune" in kinds and area.startswith(prefix)
    }


def partition_communes(config: str) -> set[str]:
    with (DEMO / config).open("rb") as fh:
        return set(tomllib.load(fh)["entities"]["Building"]["partition"]["communes"])


def test_the_register_communes_are_the_policy_areas() -> None:
    assert {c.insee for c in refdata.communes()} == policy_communes()
    assert len(policy_communes()) == 28


def test_the_building_partitions_cover_the_areas_once() -> None:
    cda, lagord = partition_communes("cda.toml"), partition_communes("lagord.toml")
    assert lagord == {"17200"}
    assert not cda & lagord
    assert cda | lagord == policy_communes()


def test_generated_buildings_sit_in_the_policy_areas(demo: DemoPaths) -> None:
    with sqlite3.connect(demo.cda_db) as conn:
        codes = dict(conn.execute("SELECT code_insee, count(*) FROM batiments GROUP BY code_insee"))
    conn.close()
    assert set(codes) <= policy_communes()
    assert codes.get("17407", 0) > 0  # Sainte-Soulle
    assert "17389" not in codes  # Sainte-Radegonde, outside the agglomeration
