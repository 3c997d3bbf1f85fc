"""The demo data space as real processes on 127.0.0.1, with gateways in front.

Used by the federation tests (``tests/federation/conftest.py``) and the benchmark
(``bench/federation.py``): the issuer (``guichet issuer serve``), the social landlord's
JSON API (``python -m connector.demo.bailleur_api``), the five partner nodes (``guichet
node CONFIG``), Apollo Gateway (``node tools/apollo/gateway.mjs``) and, once it exists,
Guichet's own gateway (``guichet gateway``), each a child process stopped by
:meth:`Stack.close`.

The gateways are started over the three original nodes (:data:`CORE`) unless given
``urls``: three of the five nodes hold parts of Building, which Apollo Gateway knows
nothing of (it asks one holder of a shared root field), so the comparisons with Apollo are
made where both gateways have one holder; ``stack.urls`` has all five.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

import httpx

from connector.demo.generate import BAILLEUR_API, NODES, DemoPaths, generate
from connector.demo.participants import register_all
from tests.support import ports

ROOT = Path(__file__).resolve().parents[2]
APOLLO_DIR = ROOT / "tools" / "apollo"
APOLLO_GATEWAY = APOLLO_DIR / "gateway.mjs"
OURS_MISSING = "our gateway is not built yet"
CORE = ("cda", "atmo", "bouygues")
"""The nodes the gateways compared with Apollo Gateway front by default (one holder of
Building: cda)."""

_TABLE_HEADER = re.compile(r"^\[([A-Za-z0-9_.\-]+)\]\s*(#.*)?$")


def free_port() -> int:
    """A port nobody else in this test run was given (see tests/support/ports.py)."""
    return ports.free_port()


def apollo_available() -> str | None:
    """Why Apollo Gateway cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "Node.js is not installed (needed for Apollo Gateway)"
    if not (APOLLO_DIR / "node_modules" / "@apollo" / "gateway").is_dir():
        return "tools/apollo/node_modules is missing: run `make apollo`"
    return None


def our_gateway_command() -> list[str] | None:
    """How to start Guichet's gateway (``guichet gateway``, or a top-level ``gateway.py``
    with ``main(argv)``), or None while it is not built."""
    probe = subprocess.run(
        [sys.executable, "-m", "connector.cli", "gateway", "--help"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if probe.returncode == 0 and b"--subgraph" in probe.stdout:
        return [sys.executable, "-m", "connector.cli", "gateway"]
    if (ROOT / "gateway.py").is_file():
        code = "import sys, gateway; sys.exit(gateway.main(sys.argv[1:]))"
        return [sys.executable, "-c", code]
    return None


def open_config(config: Path, *, max_page_size: int) -> Path:
    """A copy of a rendered demo node config, next to it (its relative paths still hold),
    with usage control off, no token verification (so no DPD console, which logs in at
    the ``[auth]`` issuer) and a larger page limit."""
    kept: list[str] = []
    dropping = False
    for line in config.read_text(encoding="utf-8").splitlines():
        header = _TABLE_HEADER.match(line)
        if header:
            table = header.group(1)
            dropping = table in ("auth", "console", "usage", "limits") or table.startswith("usage.")
        if not dropping:
            kept.append(line)
    text = "\n".join(kept)
    text += f"\n[usage]\nenforce = false\n\n[limits]\nmax_page_size = {max_page_size}\n"
    out = config.with_name(f"{config.stem}-open.toml")
    out.write_text(text, encoding="utf-8")
    return out


@dataclass
class Stack:
    """Child processes of one data space; ``urls`` maps node names to GraphQL URLs."""

    workdir: Path
    paths: DemoPaths | None = None
    urls: dict[str, str] = field(default_factory=dict)
    issuer: str | None = None
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[TextIO] = field(default_factory=list)
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    """The node processes by name (to kill, stop or restart one)."""
    node_commands: dict[str, list[str]] = field(default_factory=dict)
    landlord_api: str | None = None

    # -- processes ---------------------------------------------------------------------
    def _spawn(
        self, name: str, cmd: Sequence[str], *, pipe: bool = False
    ) -> subprocess.Popen[bytes]:
        """Start a child; its output goes to ``WORKDIR/NAME.log`` (stdout to a pipe with
        ``pipe``, for a ready line)."""
        log = (self.workdir / f"{name}.log").open("w", encoding="utf-8")
        self.logs.append(log)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NODE_ENV": "production"}
        for secret in ("APOLLO_KEY", "APOLLO_GRAPH_REF"):
            env.pop(secret, None)
        proc = subprocess.Popen(
            list(cmd),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE if pipe else log,
            stderr=log,
            close_fds=True,
        )
        self.procs.append(proc)
        return proc

    def _log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")[-2000:] if path.is_file() else ""

    def _wait_http(
        self, name: str, proc: subprocess.Popen[bytes], probe: str, *, graphql: bool = False
    ) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self._log(name)}")
            try:
                if graphql:
                    r = httpx.post(probe, json={"query": "{ __typename }"}, timeout=2)
                    if r.status_code == 200:
                        return
                else:
                    httpx.get(probe, timeout=2)
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{name} did not answer on {probe}:\n{self._log(name)}")

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        for log in self.logs:
            log.close()
        self.procs.clear()
        self.logs.clear()

    # -- the data space ----------------------------------------------------------------
    def start_nodes(self, data_dir: Path, *, enforce: bool, max_page_size: int = 500) -> None:
        """Generate the demo (once per folder) and start the landlord's API and the five
        nodes; with ``enforce``, also the issuer, with the demo participants registered."""
        ports = {
            "issuer": free_port(),
            BAILLEUR_API: free_port(),
            **{n: free_port() for n in NODES},
        }
        self.paths = generate(data_dir, ports=ports)
        configs = self.paths.configs
        if enforce:
            self._start_issuer(ports["issuer"], [f"http://127.0.0.1:{ports[n]}" for n in NODES])
        else:
            configs = {n: open_config(p, max_page_size=max_page_size) for n, p in configs.items()}
        self.start_landlord_api(ports[BAILLEUR_API])
        for n, p in configs.items():
            cmd = [sys.executable, "-m", "connector.cli", "node", str(p), "--log-level", "warning"]
            self.node_commands[n] = cmd
            self.nodes[n] = self._spawn(n, cmd)
        for n, proc in self.nodes.items():
            self._wait_http(n, proc, f"http://127.0.0.1:{ports[n]}/health")
            self.urls[n] = f"http://127.0.0.1:{ports[n]}/graphql"

    def start_landlord_api(self, port: int) -> None:
        """The social landlord's existing JSON API, which the ``bailleur`` node reads."""
        if self.paths is None:
            raise RuntimeError("generate the demo before starting the landlord's API")
        cmd = [sys.executable, "-m", "connector.demo.bailleur_api"]
        cmd += ["--data", str(self.paths.bailleur_json), "--port", str(port)]
        proc = self._spawn(BAILLEUR_API, cmd)
        self.landlord_api = f"http://127.0.0.1:{port}/api"
        self._wait_http(BAILLEUR_API, proc, self.landlord_api)

    def core_urls(self) -> dict[str, str]:
        """The GraphQL URLs of :data:`CORE`."""
        return {n: u for n, u in self.urls.items() if n in CORE}

    def kill_node(self, name: str) -> None:
        """SIGKILL node ``name`` and wait for it: its port then refuses connections."""
        proc = self.nodes[name]
        proc.kill()
        proc.wait(timeout=10)

    def restart_node(self, name: str) -> None:
        """Start node ``name`` again, on its port, after :meth:`kill_node`."""
        proc = self._spawn(f"{name}-again", self.node_commands[name])
        self.nodes[name] = proc
        self._wait_http(name, proc, self.urls[name].removesuffix("/graphql") + "/health")

    def _start_issuer(self, port: int, audiences: Sequence[str]) -> None:
        if self.paths is None:
            raise RuntimeError("generate the demo before starting its issuer")
        target = self.paths.target_dir
        db = f"sqlite+aiosqlite:///{target / 'issuer.db'}"
        self.credentials = asyncio.run(register_all(db, target / "credentials.json"))
        self.issuer = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "connector.cli", "issuer", "serve"]
        cmd += ["--issuer", self.issuer, "--db", db, "--key-dir", str(target / "issuer-keys")]
        cmd += ["--port", str(port), "--log-level", "warning"]
        for a in audiences:
            cmd += ["--audience", a]
        proc = self._spawn("issuer", cmd)
        self._wait_http("issuer", proc, f"{self.issuer}/.well-known/oauth-authorization-server")

    def token(self, participant: str, *, purpose: str | None = None) -> str:
        """A token of a demo participant valid at all five nodes (RFC 8707 resources)."""
        if self.issuer is None:
            raise RuntimeError("this stack runs without an issuer")
        creds = self.credentials[participant]
        form: dict[str, str | list[str]] = {
            "grant_type": "client_credentials",
            "resource": [u.rsplit("/graphql", 1)[0] for u in self.urls.values()],
        }
        if purpose:
            form["purpose"] = purpose
        r = httpx.post(
            f"{self.issuer}/token",
            data=form,
            auth=(creds["client_id"], creds["client_secret"]),
            timeout=10,
        )
        r.raise_for_status()
        value: str = r.json()["access_token"]
        return value

    # -- gateways ----------------------------------------------------------------------
    def subgraph_args(self, urls: Mapping[str, str] | None = None) -> list[str]:
        out: list[str] = []
        for name, url in (urls or self.core_urls()).items():
            out += ["--subgraph", f"{name}={url}"]
        return out

    def start_apollo(
        self,
        urls: Mapping[str, str] | None = None,
        *,
        supergraph: Path | None = None,
        name: str = "apollo",
        extra: Sequence[str] = (),
    ) -> str:
        """Apollo Gateway over :data:`CORE` (or ``urls``, or a ``supergraph`` file); returns
        its GraphQL URL."""
        port = free_port()
        cmd = ["node", str(APOLLO_GATEWAY), "--port", str(port)]
        cmd += ["--supergraph", str(supergraph)] if supergraph else self.subgraph_args(urls)
        cmd += list(extra)
        proc = self._spawn(name, cmd, pipe=True)
        if proc.stdout is None:
            raise RuntimeError("no pipe to Apollo Gateway's stdout")
        line = proc.stdout.readline().decode().strip()  # blocks until ready or exit
        if not line.startswith("ready "):
            proc.wait(timeout=10)
            raise RuntimeError(f"Apollo Gateway did not start: {line}\n{self._log(name)}")
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        return line.split(" ", 1)[1]

    def start_ours(
        self,
        urls: Mapping[str, str] | None = None,
        *,
        name: str = "ours",
        extra: Sequence[str] = (),
    ) -> str | None:
        """Guichet's gateway over :data:`CORE` (or ``urls``), or None while it is not
        built."""
        command = our_gateway_command()
        if command is None:
            return None
        port = free_port()
        cmd = [*command, "--host", "127.0.0.1", "--port", str(port), *self.subgraph_args(urls)]
        cmd += list(extra)
        proc = self._spawn(name, cmd)
        url = f"http://127.0.0.1:{port}/graphql"
        self._wait_http(name, proc, url, graphql=True)
        return url


def _drain(pipe: IO[bytes]) -> None:
    """Read a child's stdout to its end, so that the child never blocks on a full pipe."""
    with contextlib.suppress(OSError, ValueError):
        while pipe.read(65536):
            pass


def post(
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
) -> dict[str, Any]:
    """POST a GraphQL request; the JSON body (an HTTP error status raises)."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    payload = {"query": query, "variables": dict(variables or {})}
    with contextlib.ExitStack() as stack:
        c = client or stack.enter_context(httpx.Client(timeout=60))
        r = c.post(url, json=payload, headers=h)
    if r.status_code >= 500 or r.status_code in (401, 403, 404):
        raise RuntimeError(f"{url}: HTTP {r.status_code}: {r.text[:500]}")
    body: dict[str, Any] = r.json()
    return body
