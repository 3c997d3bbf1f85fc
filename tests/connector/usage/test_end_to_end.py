"""Usage control end to end, every part a real process on 127.0.0.1: the issuer
(``guichet issuer serve``), participants registered with ``guichet issuer register``, a
node (``guichet node``) that checks the issuer's tokens, enforces the policies of
:mod:`tests.connector.usage.conftest` and writes its audit log, which
``guichet audit verify`` then checks, before and after a row is tampered with.

Expected values come from the rows of :mod:`tests.connector.tiny`, converted by hand:
70.47 MWh = 70 470 kWh, 23.49 MWh = 23 490 kWh, 145 000 dm² = 1 450 m².
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

from issuer.keys import KeyStore
from tests.connector.identity import forge
from tests.connector.test_node_process import free_port, wait_until_up
from tests.connector.tiny import make_tiny
from tests.connector.usage.conftest import POLICIES, USAGE
from tests.support.cli import guichet

ROOT = Path(__file__).resolve().parents[3]
P = "https://example.org/participants/"
DPV = "https://w3id.org/dpv#"
PUBLIC = "https://guichet.agglo-larochelle.fr/participants/public"
TEMPLATE_BASE = "http://127.0.0.1:8199"  # the base IRI the conftest policies are written for

BUILDING = '{ building(rnbId: "PG46YY6YJW8N") { name floorArea energyUses { id kwh } } }'
ROWS = "{ observations { nodes { id value } } }"
STATS = (
    "{ observationStats(field: VALUE, groupBy: [SENSOR_ID], "
    "bucket: {field: RESULT_TIME, unit: DAY}) { group { sensorId } count max } }"
)
SCHOOL = {"name": "École des Salines", "floorArea": 1450.0}
SCHOOL_ENERGY = [{"id": "E1", "kwh": 70470.0}, {"id": "E2", "kwh": 23490.0}]
# Local days (Europe/Paris) of tiny.py's readings: S-CM2 700 and 1100 ppm on the 6th;
# S-CP 450, 1200 and 1800 ppm on the 6th and 900 ppm on the 7th.
DAILY_STATS = [
    {"group": {"sensorId": "S-CM2-CO2"}, "count": 2, "max": 1100.0},
    {"group": {"sensorId": "S-CP-CO2"}, "count": 3, "max": 1800.0},
    {"group": {"sensorId": "S-CP-CO2"}, "count": 1, "max": 900.0},
]


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "connector.cli", *args, "--log-level", "warning"],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@dataclass(frozen=True)
class Client:
    participant: str
    client_id: str
    client_secret: str


def register(db: str, iri: str, name: str, *, purposes: tuple[str, ...] = ()) -> Client:
    """``guichet issuer register``, reading the credentials it prints."""
    args = ["issuer", "register", iri, "--name", name, "--db", db]
    for p in purposes:
        args += ["--purpose", p]
    done = guichet(*args)
    assert done.returncode == 0, done.stderr
    printed = dict(re.findall(r"^(client_id|client_secret):\s+(\S+)$", done.stdout, re.M))
    return Client(iri, printed["client_id"], printed["client_secret"])


def write_node(folder: Path, port: int, issuer: str) -> Path:
    """The tiny node under the usage conftest's policies, on ``port``, trusting ``issuer``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = make_tiny(folder, port=port)
    text = config.read_text(encoding="utf-8").replace("[usage]\nenforce = false", "")
    base = f"http://127.0.0.1:{port}"
    for ds, policy in POLICIES.items():
        document = json.dumps(policy).replace(TEMPLATE_BASE, base)
        (folder / f"{ds}.jsonld").write_text(document, encoding="utf-8")
        text = text.replace(f"[datasets.{ds}]\n", f'[datasets.{ds}]\npolicy = "{ds}.jsonld"\n')
    text += f'\n[auth]\nissuer = "{issuer}"\n' + USAGE
    config.write_text(text, encoding="utf-8")
    return config


@dataclass(frozen=True)
class Space:
    issuer: str
    key_dir: Path
    city: Client
    ana: Client
    univ: Client
    node_ports: tuple[int, int]

    def token(self, client: Client, node: str, *, purpose: str | None = None) -> str:
        form = {"grant_type": "client_credentials", "resource": node}
        if purpose:
            form["purpose"] = purpose
        r = httpx.post(
            f"{self.issuer}/token", data=form, auth=(client.client_id, client.client_secret)
        )
        assert r.status_code == 200, r.text
        value: str = r.json()["access_token"]
        return value


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Space]:
    """The issuer process, issuing tokens for two node URLs: the shared node and the node
    of the audit test."""
    folder = tmp_path_factory.mktemp("usage-e2e")
    db = f"sqlite+aiosqlite:///{folder / 'issuer.db'}"
    city = register(db, P + "city", "Ville")
    ana = register(db, P + "ana", "Ana, school staff")
    univ = register(db, P + "univ", "Université", purposes=(DPV + "AcademicResearch",))
    port, nodes = free_port(), (free_port(), free_port())
    issuer = f"http://127.0.0.1:{port}"
    audiences = [a for n in nodes for a in ("--audience", f"http://127.0.0.1:{n}")]
    key_dir = folder / "keys"
    proc = start(
        "issuer", "serve", "--issuer", issuer, *audiences, "--db", db, "--key-dir", str(key_dir)
    )
    try:
        wait_until_up(f"{issuer}/.well-known/oauth-authorization-server", proc)
        yield Space(issuer, key_dir, city, ana, univ, nodes)
    finally:
        stop(proc)


@dataclass(frozen=True)
class Node:
    url: str
    folder: Path

    @property
    def audit_db(self) -> str:
        return f"sqlite+aiosqlite:///{self.folder / 'audit.db'}"

    def query(self, query: str, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(f"{self.url}/graphql", json={"query": query}, headers=headers)

    def ok(self, query: str, token: str | None = None) -> dict[str, Any]:
        r = self.query(query, token)
        assert r.status_code == 200, r.text
        assert "Traceback" not in r.text
        body: dict[str, Any] = r.json()
        return body


@contextlib.contextmanager
def node_process(space: Space, folder: Path, port: int) -> Iterator[Node]:
    url = f"http://127.0.0.1:{port}"
    proc = start("node", str(write_node(folder, port, space.issuer)))
    try:
        wait_until_up(f"{url}/health", proc)
        yield Node(url, folder)
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def node(space: Space, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    with node_process(space, tmp_path_factory.mktemp("node"), space.node_ports[0]) as n:
        yield n


def denial(body: dict[str, Any], dataset: str, node: Node) -> dict[str, Any]:
    iri = f"{node.url}/catalog/{dataset}"
    found: list[dict[str, Any]] = [
        e for e in body.get("errors", []) if e.get("extensions", {}).get("dataset") == iri
    ]
    assert len(found) == 1, body
    ext = found[0]["extensions"]
    assert ext["code"] == "POLICY_DENIED"
    assert ext["policy"] == f"https://example.org/policy/{dataset}"
    return found[0]


# --- decisions over real HTTP with real tokens ------------------------------------------


def test_the_permitted_party_reads_everything(space: Space, node: Node) -> None:
    body = node.ok(BUILDING, space.token(space.city, node.url))
    assert "errors" not in body
    assert body["data"] == {"building": {**SCHOOL, "energyUses": SCHOOL_ENERGY}}
    terms = {u["dataset"]: u for u in body["extensions"]["usage"]}
    assert set(terms) == {f"{node.url}/catalog/registre", f"{node.url}/catalog/energie"}
    assert terms[f"{node.url}/catalog/registre"]["attribution"] == [P + "tiny"]
    assert terms[f"{node.url}/catalog/energie"]["rule"] == (
        "https://example.org/policy/energie#city"
    )


def test_another_party_is_denied_one_dataset_and_keeps_the_rest(space: Space, node: Node) -> None:
    body = node.ok(BUILDING, space.token(space.ana, node.url))
    assert body["data"] == {"building": {**SCHOOL, "energyUses": None}}
    error = denial(body, "energie", node)
    assert error["path"] == ["building", "energyUses"]
    assert error["extensions"]["action"] == "read"
    assert "ana is not city" in error["extensions"]["reason"]


def test_no_token_is_the_public_party(node: Node) -> None:
    body = node.ok(BUILDING)
    assert body["data"] == {"building": {**SCHOOL, "energyUses": None}}
    assert "public is not city" in denial(body, "energie", node)["extensions"]["reason"]


def test_researchers_get_aggregates_for_their_purpose_not_rows(space: Space, node: Node) -> None:
    token = space.token(space.univ, node.url, purpose=DPV + "AcademicResearch")
    stats = node.ok(STATS, token)
    assert "errors" not in stats
    assert stats["data"]["observationStats"] == DAILY_STATS

    both = node.ok('{ building(rnbId: "PG46YY6YJW8N") { name } ' + ROWS[1:], token)
    assert both["data"] == {"building": {"name": SCHOOL["name"]}, "observations": None}
    reason = denial(both, "mesures", node)["extensions"]["reason"]
    assert "univ is not staff" in reason


def test_aggregates_need_the_declared_purpose(space: Space, node: Node) -> None:
    body = node.ok(STATS, space.token(space.univ, node.url))
    assert body["data"] == {"observationStats": None}
    assert "purpose" in denial(body, "mesures", node)["extensions"]["reason"]


def test_the_issuer_refuses_a_purpose_the_participant_may_not_declare(
    space: Space, node: Node
) -> None:
    r = httpx.post(
        f"{space.issuer}/token",
        data={
            "grant_type": "client_credentials",
            "resource": node.url,
            "purpose": DPV + "AcademicResearch",
        },
        auth=(space.city.client_id, space.city.client_secret),
    )
    assert r.status_code == 400
    assert "is not allowed" in r.json()["error_description"]


# --- every bad token of the issue, against the node's /graphql --------------------------


@dataclass(frozen=True)
class Forger:
    """What a forger can see (the JWKS, a real token) and, to isolate one bad claim, the
    issuer's own signing key read from its key folder."""

    issuer: str
    node: str
    key: ec.EllipticCurvePrivateKey
    kid: str
    public_pem: bytes
    real_token: str

    def header(self, **changes: str) -> dict[str, str]:
        return {"alg": "ES256", "typ": "at+jwt", "kid": self.kid, **changes}

    def claims(self, **changes: object) -> dict[str, object]:
        base = forge.claims_for(issuer=self.issuer, audience=self.node, subject=P + "city")
        return {**base, **changes}

    def signed(self, claims: dict[str, object], **header: str) -> str:
        return forge.es256_token(self.key, self.header(**header), claims)


@pytest.fixture(scope="module")
def forger(space: Space, node: Node) -> Forger:
    jwks = httpx.get(f"{space.issuer}/jwks.json").json()["keys"]
    signing = KeyStore(space.key_dir).signing_key()
    (published,) = [k for k in jwks if k["kid"] == signing.kid]
    private = signing.private_key
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    public_pem = ECKey.import_key(published).as_pem(private=False)
    return Forger(
        space.issuer,
        node.url,
        private,
        str(signing.kid),
        public_pem,
        space.token(space.ana, node.url),
    )


def alg_none(f: Forger) -> str:
    return forge.token(f.header(alg="none"), f.claims(), b"")


def wrong_key(f: Forger) -> str:
    other = ec.generate_private_key(ec.SECP256R1())
    return forge.es256_token(other, f.header(), f.claims())


def hs256_with_public_key(f: Forger) -> str:
    header, claims = f.header(alg="HS256"), f.claims()
    return forge.token(
        header, claims, forge.hs256(f.public_pem, forge.signing_input(header, claims))
    )


def expired(f: Forger) -> str:
    now = int(time.time())
    return f.signed(f.claims(iat=now - 1200, nbf=now - 1200, exp=now - 600))


def not_yet_valid(f: Forger) -> str:
    now = int(time.time())
    return f.signed(f.claims(nbf=now + 600, exp=now + 1200))


def wrong_audience(f: Forger) -> str:
    return f.signed(f.claims(aud="http://127.0.0.1:9"))


def wrong_issuer(f: Forger) -> str:
    return f.signed(f.claims(iss="https://evil.example"))


def unknown_kid(f: Forger) -> str:
    return f.signed(f.claims(), kid="not-a-known-kid")


def tampered_payload(f: Forger) -> str:
    """Ana's real token, its payload rewritten to make her the city."""
    header, _, signature = f.real_token.split(".")
    return f"{header}.{forge.segment(f.claims(client_id='forged'))}.{signature}"


BAD_TOKENS = {
    # case: (forge, what the reason must name)
    "alg none": (alg_none, "'none' is not allowed"),
    "wrong key": (wrong_key, "signature does not verify"),
    "HS256 signed with the public key": (hs256_with_public_key, "'HS256' is not allowed"),
    "expired": (expired, "expired"),
    "not yet valid": (not_yet_valid, "not valid before"),
    "wrong audience": (wrong_audience, "audience"),
    "wrong issuer": (wrong_issuer, "issuer 'https://evil.example'"),
    "unknown kid": (unknown_kid, "kid='not-a-known-kid'"),
    "tampered payload": (tampered_payload, "signature does not verify"),
}


def test_the_forger_s_good_token_is_accepted(forger: Forger, node: Node) -> None:
    """The forging is sound: the same recipe with nothing wrong gets the city's data."""
    body = node.ok(BUILDING, forger.signed(forger.claims()))
    assert body["data"] == {"building": {**SCHOOL, "energyUses": SCHOOL_ENERGY}}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_bad_token_gets_401_and_no_data(case: str, forger: Forger, node: Node) -> None:
    make, reason = BAD_TOKENS[case]
    r = node.query(BUILDING, make(forger))
    assert r.status_code == 401, r.text
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="')
    body = r.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "invalid_token"
    assert reason in body["error_description"]
    assert "École" not in r.text and "Traceback" not in r.text


# --- the audit log of real requests, verified by the command line -----------------------


def audit_rows(db: Path) -> list[tuple[int, str, str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT seq, party, datasets, decision FROM guichet_audit ORDER BY seq"
        ).fetchall()
    return [(s, p, d.strip(), dec) for s, p, d, dec in rows]


def test_audit_verify_counts_every_decision_and_names_a_tampered_entry(
    space: Space, tmp_path: Path
) -> None:
    with node_process(space, tmp_path / "audited", space.node_ports[1]) as node:
        city = space.token(space.city, node.url)
        univ = space.token(space.univ, node.url, purpose=DPV + "AcademicResearch")
        node.ok(BUILDING, city)  # registre + energie: 2 decisions
        node.ok(BUILDING)  # registre + energie: 2 decisions
        node.ok(STATS, univ)  # mesures, aggregated: 1 decision
        node.ok(ROWS, univ)  # mesures, read: 1 decision
        assert node.query(BUILDING, "not.a.token").status_code == 401  # refused: 1 entry

    # one entry per dataset decision per request; datasets of a request in name order
    assert audit_rows(tmp_path / "audited" / "audit.db") == [
        (1, P + "city", "energie", "permit"),
        (2, P + "city", "registre", "permit"),
        (3, PUBLIC, "energie", "deny"),
        (4, PUBLIC, "registre", "permit"),
        (5, P + "univ", "mesures", "permit"),
        (6, P + "univ", "mesures", "deny"),
        (7, PUBLIC, "", "deny"),  # the refused token, naming no dataset
    ]
    verified = guichet("audit", "verify", "--db", node.audit_db)
    assert verified.returncode == 0, verified.stderr
    assert re.fullmatch(r"ok: 7 entries, chain intact, head [0-9a-f]{64}\n", verified.stdout)

    # a DBA turns the public party's denial into a permit
    with sqlite3.connect(tmp_path / "audited" / "audit.db") as conn:
        conn.execute("DROP TRIGGER IF EXISTS guichet_audit_no_update")
        conn.execute("UPDATE guichet_audit SET decision = 'permit' WHERE seq = 3")
    tampered = guichet("audit", "verify", "--db", node.audit_db)
    assert tampered.returncode == 1
    assert tampered.stdout.startswith("ALTERED entry #3: stored hash ")
