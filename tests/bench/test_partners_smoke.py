"""``bench.partners`` at N=2 with one run per query: real node and gateway processes, the
printed tables, and the request rules (never the timings)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bench.partners import bench


def test_two_commune_nodes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = children()
    status, rows = bench(tmp_path, sizes=[2], repeat=1, per_commune=60)
    out = capsys.readouterr().out
    assert status == 0, out
    (row,) = rows
    a, b = "c17010", "c17028"  # Angoulins and Aytré, the first two INSEE codes
    assert row.counts == {
        "page 1": {a: 1, b: 1},
        "page 2": {a: 1, b: 1},
        "one commune": {a: 1},
        "lookup 100": {a: 1, b: 1, "salles": 1},
        # an RNB id names no commune: every holder is asked, and the bench says so
        "lookup 1 commune": {a: 1, b: 1, "salles": 1},
    }
    assert row.problems == []
    assert "1 of them hold none of the keys" in row.notes[0]
    assert set(row.times) == {"page 1", "page 2", "lookup 100"}
    assert all(len(fan) == len(one) == 1 for fan, one in row.times.values())
    assert set(row.rss) == {"gateway", "baseline gateway"}
    assert all(kib > 0 for kib in row.rss.values())
    assert set(row.cpu) == {"gateway", "holders", "1-node gateway", "1 node"}

    for label in ("page 1", "page 2", "lookup 100"):
        assert re.search(
            rf"^\s+2\s+1 \| {label}\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+x$", out, re.M
        ), out
    counts = (
        r"^\s+2 \|\s+2/2\s+2/2\s+1/2\s+2/2 \+1 rooms\s+2/2 \+1 rooms \|\s+[\d.]+ MiB\s+[\d.]+ MiB$"
    )
    assert re.search(counts, out, re.M), out
    assert re.search(r"^\s+2 \|\s+[\d.]+ ms\s+[\d.]+ ms \|\s+[\d.]+ ms\s+[\d.]+ ms$", out, re.M), (
        out
    )
    assert "ok: at most one request per holder" in out
    assert "not measured (needs both sizes)" in out
    assert children() <= before, "a node or gateway process outlived the bench"


def children() -> set[int]:
    """This process's live children (from ``/proc/PID/stat``: its fourth field)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(os.getpid()) and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out
