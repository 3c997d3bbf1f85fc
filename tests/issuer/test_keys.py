"""Signing keys on disk: creation, rotation, retention, reload, bad files."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from connector.errors import ConfigError
from issuer import KeyStore


def test_first_use_creates_one_private_key_file_readable_by_owner_only(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    key = store.signing_key()
    files = list((tmp_path / "keys").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    on_disk = json.loads(files[0].read_text())
    assert on_disk["kid"] == key.kid == key.thumbprint()
    assert on_disk["alg"] == "ES256" and "d" in on_disk
    published = store.jwks()["keys"]
    assert [k["kid"] for k in published] == [key.kid]
    assert "d" not in published[0]


def test_rotation_publishes_new_and_previous_keys(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", retain_seconds=3600)
    first = store.signing_key().kid
    second = store.rotate().kid
    assert store.signing_key().kid == second != first
    assert [k["kid"] for k in store.jwks()["keys"]] == [second, first]


def test_keys_older_than_the_retention_are_dropped_but_the_previous_stays(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", retain_seconds=0)
    first = store.signing_key().kid
    second = store.rotate().kid
    time.sleep(0.01)
    third = store.rotate().kid
    assert [k["kid"] for k in store.jwks()["keys"]] == [third, second]
    assert first not in {
        p.name.split("-", 1)[1].removesuffix(".jwk.json") for p in (tmp_path / "keys").iterdir()
    }


def test_a_rotation_by_another_process_is_seen_without_restart(tmp_path: Path) -> None:
    running = KeyStore(tmp_path / "keys")
    old = running.signing_key().kid
    new = KeyStore(tmp_path / "keys").rotate(algorithm="RS256").kid
    assert running.signing_key().kid == new
    assert running.signing_key().get("alg") == "RS256"
    assert [k["kid"] for k in running.jwks()["keys"]] == [new, old]


def test_an_unreadable_key_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir()
    bad = folder / f"{time.time_ns():020d}-broken.jwk.json"
    bad.write_text("{not json")
    os.chmod(bad, 0o600)
    with pytest.raises(ConfigError) as info:
        KeyStore(folder).signing_key()
    assert str(bad) in str(info.value)
    assert "unreadable JWK" in str(info.value)


def test_unsupported_algorithm_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected one of \\['ES256', 'RS256'\\], got 'HS256'"):
        KeyStore(tmp_path, algorithm="HS256")
