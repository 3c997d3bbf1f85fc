"""What ``bench.partners`` measures for one N (:class:`Row`, over its :class:`Setup`), the
request rules it is judged by, and the tables it prints: kept apart from the measuring, so
that what is asserted of a run is read in one place."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench._common import ms, p50
from bench._communes import Building, Commune

GOAL = 3.0  # issue 10: the fan-out over 28 communes within 3x the one over 3


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[8] if len(xs) > 1 else xs[0]


@dataclass
class Row:
    """What one N measured: latencies (seconds), request counts, memory, checks."""

    n: int
    repeat: int
    times: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds per page 1, by process group: the gateway and the holders (fan-out),
    the gateway and the node (single node)"""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Setup:
    """The data space of one N: its communes, their rows, the rooms' ids to look up."""

    communes: list[Commune]
    rows: dict[str, list[Building]]
    refs: list[str]
    """the RNB ids the rooms reference, one per room"""
    rooms: list[str]
    one_commune_rooms: list[str]


def judge(row: Row, setup: Setup) -> None:
    """The request rules; a key that names no partition is a note, not a failure."""
    n, first = len(setup.communes), setup.communes[0]
    for label in ("page 1", "page 2", "lookup 100", "lookup 1 commune"):
        asked = {k: v for k, v in row.counts[label].items() if k != "salles"}
        if sum(asked.values()) > n or any(v > 1 for v in asked.values()):
            row.problems.append(f"{label}: {asked} (at most one request per holder, {n} in all)")
        if label.startswith("lookup") and row.counts[label].get("salles") != 1:
            row.problems.append(f"{label}: {row.counts[label]} (one request to the rooms node)")
    if row.counts["one commune"] != {first.node: 1}:
        row.problems.append(f"one commune: {row.counts['one commune']}, expected {first.node} only")
    keys = set(setup.refs)
    holding = {c.node for c in setup.communes if keys & {r[0] for r in setup.rows[c.code]}}
    idle = set(row.counts["lookup 100"]) - holding - {"salles"}
    if idle:
        row.problems.append(f"lookup 100: holders asked that hold none of the keys: {idle}")
    holders = set(row.counts["lookup 1 commune"]) - {"salles"}
    if holders - {first.node}:
        row.notes.append(
            f"look-up of {len(setup.one_commune_rooms)} buildings of {first.label} alone: "
            f"{len(holders)} holders asked, {len(holders - {first.node})} of them hold none of "
            "the keys (an RNB id names no commune, so the gateway asks every holder; "
            "a partition by key_prefixes would route it to one)"
        )


def report(rows: Sequence[Row]) -> int:
    print("\nLatency: fan-out over N commune nodes vs one node holding the same buildings")
    print("(both behind our gateway, alternated; ms)")
    head = f"  {'N':>3} {'runs':>4} | {'query':<10} {'p50':>11} {'p90':>11}"
    print(head + f" {'1 node p50':>12} {'ratio':>7}")
    for row in rows:
        for label, (fan, one) in row.times.items():
            print(
                f"  {row.n:>3} {row.repeat:>4} | {label:<10} {ms(p50(fan))} {ms(p90(fan))}"
                f" {ms(p50(one)):>12} {p50(fan) / p50(one):>6.2f}x"
            )
    print("\nSubgraph requests per query (counting proxies; holders asked / requests in all)")
    labels = ["page 1", "page 2", "one commune", "lookup 100", "lookup 1 commune"]
    print(
        f"  {'N':>3} | "
        + " ".join(f"{x:>16}" for x in labels)
        + f" | {'gateway RSS':>12} {'1-node gw RSS':>14}"
    )
    for row in rows:
        cells = []
        for label in labels:
            c = row.counts.get(label, {})
            held = sum(1 for k in c if k != "salles")
            extra = f" +{c['salles']} rooms" if "salles" in c else ""
            cells.append(f"{held}/{row.n}{extra}")
        rss = row.rss
        print(
            f"  {row.n:>3} | "
            + " ".join(f"{x:>16}" for x in cells)
            + f" | {rss['gateway'] / 1024:>9.1f} MiB {rss['baseline gateway'] / 1024:>10.1f} MiB"
        )
    cores = os.cpu_count()
    print(f"\nCPU per fan-out page 1 (/proc/PID/stat; {cores} cores shared by every process)")
    print(f"  {'N':>3} | {'gateway':>9} {'holders':>11} | {'1-node gw':>9} {'1 node':>9}")
    for row in rows:
        used = {g: f"{1000 * v:.1f} ms" for g, v in row.cpu.items()}
        print(
            f"  {row.n:>3} | {used['gateway']:>9} {used['holders']:>11} | "
            f"{used['1-node gateway']:>9} {used['1 node']:>9}"
        )
    for row in rows:
        for note in row.notes:
            print(f"  N={row.n}: note: {note}")
    status = 0
    for row in rows:
        for problem in row.problems:
            print(f"  N={row.n}: FAIL: {problem}")
            status = 1
    if status == 0:
        print(
            "ok: at most one request per holder; a commune filter asks its holder only; "
            "the answers equal the single node's"
        )
    by_n = {r.n: r for r in rows}
    if 3 in by_n and 28 in by_n:
        ratio = p50(by_n[28].times["page 1"][0]) / p50(by_n[3].times["page 1"][0])
        verdict = "PASS" if ratio <= GOAL else "MISS"
        print(f"\nfan-out page p50, N=28 / N=3: {ratio:.2f}x (goal: within {GOAL:g}x): {verdict}")
    else:
        print("\nfan-out ratio N=28 / N=3: not measured (needs both sizes)")
    return status
