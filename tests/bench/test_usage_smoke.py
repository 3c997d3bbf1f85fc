"""``bench.usage`` on the cda page with two runs per variant: the three nodes agree on the
data, the enforced ones write one audit entry per request, and every line prints its
ratio and the goal's verdict (never the timings themselves)."""

from __future__ import annotations

import asyncio
import re

import pytest

from bench.usage import main


def test_cda_page_prints_ratios_and_the_goal(capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(main(2, cda_only=True))
    out = capsys.readouterr().out
    assert "cda: registry page of 50 buildings  (50 rows in the answer)" in out
    for table in ("one at a time", "8 in flight"):
        assert f"  {table}: p50 per request, and CPU per request" in out
    for variant in ("disk", "process"):
        lines = re.findall(
            rf"^    enforcement \+ audit \({variant}\)\s+[\d.]+ ms\s+[\d.]+x  "
            r"goal at most 1\.15x: (MET|MISSED)   CPU\s+[\d.]+ ms\s+[\d.]+x$",
            out,
            re.M,
        )
        assert len(lines) == 2, out
    assert "  audit entries per request: 1\n" in out
