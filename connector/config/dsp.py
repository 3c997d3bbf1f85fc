"""``[dsp]``: the node as a Dataspace Protocol participant, with credentials of its own.

A node answers the protocol's requests with no ``[dsp]`` section; it needs one to *send*
messages: the provider's callbacks (agreement, events, transfer start) and the consumer's
requests (``guichet dsp negotiate``). Each carries a client-credentials access token from
the data space's issuer, for the receiving node's audience, which that node verifies like
any other token::

    [dsp]
    client_id = "9c1f..."                      # the node's participant at the issuer
    client_secret_file = "secrets/dsp-secret"  # or client_secret_env = "GUICHET_DSP_SECRET"
    # issuer = "https://issuer.example"        # default: [auth] issuer

The secret is never written in the file itself (a configuration is committed, shared,
printed): ``client_secret`` is refused with a message saying where to put it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connector.config._checker import Checker
from connector.errors import ConfigError, ConfigIssue

KEYS = {"issuer", "client_id", "client_secret_file", "client_secret_env"}


@dataclass(frozen=True)
class DspConfig:
    issuer: str
    client_id: str
    secret_file: Path | None = None
    secret_env: str | None = None
    where: str = "[dsp]"

    def secret(self) -> str:
        """The client secret, read when it is needed (a rotated file is picked up)."""
        if self.secret_file is not None:
            try:
                value = self.secret_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    [ConfigIssue(self.where, "dsp.client_secret_file", f"cannot read: {exc}")]
                ) from exc
            what = f"the file {self.secret_file}"
        else:
            value = os.environ.get(self.secret_env or "", "").strip()
            what = f"the environment variable {self.secret_env}"
        if not value:
            raise ConfigError([ConfigIssue(self.where, "dsp", f"no client secret in {what}")])
        return value


def parse_dsp(
    c: Checker, table: Mapping[str, Any], file: Path, auth_issuer: str | None
) -> DspConfig | None:
    if not table:
        return None
    if "client_secret" in table:
        c.fail(
            "dsp.client_secret",
            "a secret is never written in the configuration: put it in a file "
            "(client_secret_file) or an environment variable (client_secret_env)",
        )
    c.unknown({k: v for k, v in table.items() if k != "client_secret"}, "dsp", KEYS)
    issuer = c.string(table, "dsp", "issuer", required=False) or auth_issuer or ""
    if not issuer:
        c.fail("dsp.issuer", "missing: the issuer to get tokens from (or set [auth] issuer)")
    elif not issuer.startswith(("http://", "https://")):
        c.fail("dsp.issuer", f"expected the issuer's http(s) URL, got {issuer!r}")
    client_id = c.string(table, "dsp", "client_id")
    secret_file = c.string(table, "dsp", "client_secret_file", required=False)
    secret_env = c.string(table, "dsp", "client_secret_env", required=False)
    path = None
    if bool(secret_file) == bool(secret_env):
        c.fail("dsp", "expected exactly one of client_secret_file and client_secret_env")
    elif secret_file:
        path = (file.parent / secret_file).resolve()
        if not path.is_file():
            c.fail("dsp.client_secret_file", f"file not found: {path}")
    if not (issuer and client_id):
        return None
    return DspConfig(
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        secret_file=path,
        secret_env=secret_env or None,
        where=str(file),
    )
