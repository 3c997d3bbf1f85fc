"""A server's startup heap is frozen out of the cyclic collector's sight
(:func:`connector.commands.long_lived`), in a child process so that this test process's
own collector is left as it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.support.cli import ROOT

PROBE = textwrap.dedent(
    """
    import gc, json
    import connector.app, connector.gateway  # a server's modules: the bulk of its heap
    from connector.commands import long_lived

    app = object()
    tracked = len(gc.get_objects())
    before = gc.get_freeze_count()
    same = long_lived(app) is app
    print(json.dumps({"same": same, "before": before, "frozen": gc.get_freeze_count(),
                      "tracked": tracked, "left": len(gc.get_objects())}))
    """
)


def test_the_startup_heap_is_frozen_and_the_app_returned() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["same"] and got["before"] == 0
    # what the collector tracked (less what a collection freed) is now frozen; what it
    # still sees is only what was made since
    assert got["frozen"] > 0.9 * got["tracked"] - 1000 and got["left"] < 1000
