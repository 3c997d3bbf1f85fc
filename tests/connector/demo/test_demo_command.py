"""``guichet demo --once`` as a newcomer runs it: a real process that generates the data,
starts the issuer, the landlord's API, the five nodes and the gateway on loopback,
registers the participants and prints the showcase of decisions, then exits."""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MESURES_SALLES = "https://guichet.agglo-larochelle.fr/datasets/atmo/mesures-salles"


def free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def eight_free_ports() -> int:
    """The first of eight consecutive free ports (issuer, cda, atmo, bouygues, gateway,
    lagord, bailleur, the landlord's API), below the kernel's ephemeral range so that no
    outgoing connection takes one meanwhile."""
    rng = random.Random(os.getpid())
    for _ in range(200):
        base = rng.randrange(32100, 32700)  # apart from tests/support/ports.py
        if all(free(base + i) for i in range(8)):
            return base
    raise RuntimeError("no eight consecutive free ports on 127.0.0.1 in 32100-32708")


def test_demo_once_shows_the_decisions_and_exits(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "connector.cli",
            "demo",
            "--once",
            "--dir",
            str(target),
            "--port-base",
            str(eight_free_ports()),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    sections = [
        "1. PERMITTED",
        "2. AGGREGATED",
        "3. DENIED",
        "4. DERIVED",
        "5. PERMITTED FOR A PURPOSE",
        "6. FEDERATED",
        "7. PARTITIONED",
        "9. DATASPACE PROTOCOL",
    ]
    positions = [out.find(s) for s in sections]
    assert all(p >= 0 for p in positions), out
    assert positions == sorted(positions), out
    assert f"POLICY_DENIED: dataset {MESURES_SALLES}" in out
    # data/ecole_saint_christophe.csv: surface_plancher 1450 m2
    assert "École Saint-Christophe" in out and "1,450 m²" in out
    # 138 school days x 38 occupied 10-minute readings (08:30-11:45, 13:30-16:30) per room
    assert out.count("5,244") == 6
    # ICONE per week: ISO weeks 2025-W36 (1 September) to 2026-W27 (29 June) are 17 + 27 =
    # 44 weeks, minus the 8 spent wholly in holidays (Toussaint W43-W44, Noël W52-W01,
    # hiver W07-W08, printemps W15-W16): 36 weeks with occupied readings, for every room
    icone = out[out.index("4. DERIVED") : out.index("5. PERMITTED FOR A PURPOSE")]
    assert "per week of occupied time" in icone and "school-year aggregate" in icone
    assert "b) CL06 « Classe ULIS - CM1/CM2 », ICONE week by week (36 weeks" in icone
    rooms = [x.split() for x in icone.splitlines() if x.strip().startswith("CL0")]
    spreads = [r[-6:] for r in rooms if "[" in " ".join(r)]
    assert len(spreads) == 6 and all(sum(map(int, s)) == 36 for s in spreads), icone
    # the federated answer: operational carbon of the worked example, 19.47 t a year
    assert "operational carbon 2024: 19.47 t CO2e a year (13.4 kg/m² of the building)" in out
    # the extension's bill over the extension's SRef (data/operations_illustratives.csv: 420 m²),
    # not the school's 1,450 m² (tests/domain/test_extension_carbon.py recomputes 444.9)
    assert "project EXT-SC (extension)" in out and "reference area SRef 420 m²" in out
    assert "Ic_construction 444.9 kg CO2e per m² of the extension" in out
    # décret 2022-305: enseignement primaire, permits 2025-2027, 770 kg CO2e/m²
    assert "verdict against the school threshold, permits 2025-2027: within" in out
    assert "Ic_construction_maxmoyen 770 kg CO2e/m² for enseignement_primaire" in out
    assert "Traceback" not in done.stderr
    assert (target / "credentials.json").is_file()
    # every building of the agglomeration through the gateway: the three holders' rows
    counts = {}
    for name, table in (("cda", "batiments"), ("lagord", "equipements")):
        conn = sqlite3.connect(target / f"{name}.db")
        try:
            (counts[name],) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        finally:
            conn.close()
    residences = json.loads((target / "bailleur" / "residences.json").read_text("utf-8"))
    counts["bailleur"] = len(residences)
    section = out[out.index("7. PARTITIONED") :]
    for name, n in counts.items():
        (line,) = [x for x in section.splitlines() if x.strip().startswith(name + " ")]
        assert line.split()[-2:] == [f"{n:,}", f"{n:,}"], line
    # two demo nodes over DSP: bouygues' agreement with cda, made and audited at cda
    dsp = out[out.index("9. DATASPACE PROTOCOL") :]
    (agreement,) = [x.split()[1] for x in dsp.splitlines() if x.strip().startswith("agreement ")]
    conn = sqlite3.connect(target / "cda-audit.db")
    try:
        made = conn.execute(
            "SELECT party, details FROM guichet_audit WHERE details LIKE ?", (f"%{agreement}%",)
        ).fetchall()
    finally:
        conn.close()
    accepted = [
        json.loads(d) for p, d in made if json.loads(d).get("reasonCode") == "offer-accepted"
    ]
    assert [(a["protocol"], a["agreement"]) for a in accepted] == [("dsp", agreement)]
    assert {p for p, _ in made} == {"https://guichet.agglo-larochelle.fr/participants/bouygues"}
    assert "credit: cda" in dsp and "POLICY_DENIED" not in dsp
    total = sum(counts.values())
    assert f"through the gateway: {total:,} buildings" in section
    assert f"(totalCount {total:,}, sum of the holders' {total:,}); no RNB id repeats" in section
