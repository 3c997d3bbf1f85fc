"""``guichet issuer register|list|rotate-keys`` through ``main(argv)``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from joserfc.jwk import ECKey

from issuer import KeyStore
from issuer.cli import main

IRI = "https://guichet.agglo-larochelle.fr/participants/bouygues"


def test_register_prints_the_credentials_once_and_list_shows_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    code = main(
        [
            "register",
            IRI,
            "--name",
            "Bouygues Bâtiment",
            "--role",
            "contractor",
            "--purpose",
            "dpv:ServiceProvision",
            "--db",
            db,
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    lines = dict(
        line.split(":", 1)
        for line in printed.splitlines()
        if ":" in line and not line.startswith("(")
    )
    secret = lines["client_secret"].strip()
    client_id = lines["client_id"].strip()
    assert len(secret) >= 40

    assert main(["list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert f"client_id={client_id}" in listed
    assert "purposes=https://w3id.org/dpv#ServiceProvision" in listed
    assert secret not in listed


def register_with_key(db: str, key: Path) -> int:
    """The issuer CLI's ``register`` of a ``private_key_jwt`` client with the key file ``key``."""
    args = ["register", IRI, "--name", "B", "--db", db, "--auth-method", "private_key_jwt"]
    return main([*args, "--public-key", str(key)])


def test_register_errors_name_the_field_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    assert main(["register", "bouygues", "--name", "B", "--db", db]) == 1
    assert "iri: expected an absolute IRI, got 'bouygues'" in capsys.readouterr().err

    private = tmp_path / "private.jwk"
    private.write_text(json.dumps(ECKey.generate_key(private=True).as_dict(private=True)))
    assert register_with_key(db, private) == 1
    assert "contains a private key" in capsys.readouterr().err

    missing = tmp_path / "nope.pem"
    assert register_with_key(db, missing) == 1
    assert str(missing) in capsys.readouterr().err


def test_register_accepts_a_public_jwk_file(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    public = tmp_path / "public.jwk"
    public.write_text(json.dumps(ECKey.generate_key(private=True).as_dict(private=False)))
    assert register_with_key(db, public) == 0


def test_rotate_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "keys"
    first = KeyStore(folder).signing_key().kid
    assert main(["rotate-keys", "--key-dir", str(folder), "--alg", "RS256"]) == 0
    assert "new signing key kid=" in capsys.readouterr().out
    published = KeyStore(folder).jwks()["keys"]
    assert [k["kty"] for k in published] == ["RSA", "EC"]
    assert published[1]["kid"] == first
