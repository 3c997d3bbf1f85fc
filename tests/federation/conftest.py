"""The demo data space on loopback for the federation tests: the issuer, the five partner
nodes with usage control on (and the landlord's JSON API), Apollo Gateway in front of the
three original ones (cda, atmo, bouygues: one holder of Building) and, once it is built,
Guichet's gateway in front of the same nodes; ``ours_all_url`` is ours over all five.

Fixtures: ``stack`` (the processes), ``tokens`` (demo participants' bearer tokens valid at
the three nodes), ``query_apollo`` / ``query_ours`` / ``query_node`` (GraphQL over HTTP),
``demo_db`` (read-only SQLite connections to the generated sources) and ``bill`` (the
construction company's CSV rows). ``query_ours`` marks the test as an expected failure
while Guichet's gateway does not exist, so a missing gateway shows as ``x``, never as a
pass.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.demo.participants import DPV, GUI
from tests.federation.stack import OURS_MISSING, Stack, apollo_available, post

Query = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    why = apollo_available()
    if why is not None:
        pytest.fail(f"the federation tests need Apollo Gateway: {why}", pytrace=False)
    workdir = tmp_path_factory.mktemp("federation")
    s = Stack(workdir=workdir)
    try:
        s.start_nodes(workdir / "demo", enforce=True)
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def tokens(stack: Stack) -> dict[str, str]:
    """``carbon``: the agglomeration, for carbon accounting (may read the bill of
    quantities); ``research``: the university, for academic research (may not)."""
    return {
        "carbon": stack.token("cda", purpose=GUI + "CarbonAccounting"),
        "research": stack.token("univ-lr", purpose=DPV + "AcademicResearch"),
    }


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def apollo_url(stack: Stack) -> str:
    return stack.start_apollo()


@pytest.fixture(scope="session")
def ours_url(stack: Stack) -> str | None:
    return stack.start_ours()


@pytest.fixture(scope="session")
def ours_all_url(stack: Stack) -> str:
    """Our gateway over the five nodes (three holders of Building)."""
    url = stack.start_ours(stack.urls, name="ours-all")
    if url is None:
        pytest.fail(OURS_MISSING)
    return url


def _query(url: str, http: httpx.Client) -> Query:
    def run(
        query: str,
        variables: Mapping[str, Any] | None = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        return post(url, query, variables, token=token, headers=headers, client=http)

    return run


@pytest.fixture
def query_apollo(apollo_url: str, http: httpx.Client) -> Query:
    """``query_apollo(query, variables=None, token=None)``: Apollo Gateway's JSON answer."""
    return _query(apollo_url, http)


@pytest.fixture
def query_ours(ours_url: str | None, http: httpx.Client) -> Query:
    """``query_ours(query, variables=None, token=None)``: our gateway's JSON answer; the
    test is an expected failure while our gateway is not built."""
    if ours_url is None:
        pytest.xfail(OURS_MISSING)
    return _query(ours_url, http)


@pytest.fixture
def query_node(stack: Stack, http: httpx.Client) -> Callable[..., dict[str, Any]]:
    """``query_node(name, query, variables=None, token=None)``: one node, no gateway."""

    def run(
        name: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        return post(stack.urls[name], query, variables, token=token, client=http)

    return run


@pytest.fixture(scope="session")
def demo_db(stack: Stack) -> Iterator[dict[str, sqlite3.Connection]]:
    """The generated partner databases, read-only: the ground truth of the answers."""
    if stack.paths is None:
        raise RuntimeError("the demo was not generated")
    dbs = {"cda": stack.paths.cda_db, "atmo": stack.paths.atmo_db, "lagord": stack.paths.lagord_db}
    conns = {n: sqlite3.connect(f"file:{p}?mode=ro", uri=True) for n, p in dbs.items()}
    for c in conns.values():
        c.row_factory = sqlite3.Row
    try:
        yield conns
    finally:
        for c in conns.values():
            c.close()


@pytest.fixture(scope="session")
def bill(stack: Stack) -> list[dict[str, str]]:
    """The construction company's bill-of-quantities export, as its CSV rows."""
    if stack.paths is None:
        raise RuntimeError("the demo was not generated")
    path = Path(stack.paths.bouygues_dir) / "metres.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))
