"""Child processes of a benchmark (``guichet node`` and ``guichet gateway`` on 127.0.0.1)
and counting reverse proxies in front of nodes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Processes:
    """Child processes, each logging to ``WORKDIR/NAME.log``; :meth:`close` stops them all."""

    workdir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[TextIO] = field(default_factory=list)

    def spawn(self, name: str, cmd: Sequence[str]) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("w", encoding="utf-8")
        self.logs.append(log)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(list(cmd), cwd=ROOT, env=env, stdout=log, stderr=log)
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")[-2000:] if path.is_file() else ""

    def node(self, name: str, config: Path) -> str:
        port = free_port()
        cmd = [sys.executable, "-m", "connector.cli", "node", str(config), "--port", str(port)]
        self.spawn(name, [*cmd, "--log-level", "warning"])
        return f"http://127.0.0.1:{port}"

    def gateway(self, name: str, subgraphs: Mapping[str, str]) -> str:
        port = free_port()
        cmd = [sys.executable, "-m", "connector.cli", "gateway", "--port", str(port)]
        cmd += ["--poll-interval", "0", "--timeout", "60"]
        for sub, url in subgraphs.items():
            cmd += ["--subgraph", f"{sub}={url}"]
        self.spawn(name, cmd)
        return f"http://127.0.0.1:{port}"

    async def ready(self, urls: Mapping[str, str], *, timeout: float = 180) -> None:
        """Wait until each ``name``'s ``/health`` answers 200 (a gateway: with its supergraph)."""
        deadline = time.monotonic() + timeout
        waiting = dict(urls)
        async with httpx.AsyncClient(timeout=5) as client:
            while waiting:
                for name, url in list(waiting.items()):
                    proc = self.procs[name]
                    if proc.poll() is not None:
                        raise RuntimeError(
                            f"{name} exited with {proc.returncode}:\n{self.log(name)}"
                        )
                    try:
                        r = await client.get(f"{url}/health")
                    except httpx.TransportError:
                        continue
                    if r.status_code == 200 and _composed(r.json()):
                        del waiting[name]
                if time.monotonic() > deadline:
                    names = ", ".join(waiting)
                    raise TimeoutError(f"{names} not ready:\n{self.log(next(iter(waiting)))}")
                await asyncio.sleep(0.2)

    def rss_kib(self, name: str) -> int:
        """Resident memory of ``name`` (``VmRSS`` in ``/proc/PID/status``), in KiB."""
        for line in Path(f"/proc/{self.procs[name].pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for {name}")

    def cpu_seconds(self, *names: str) -> float:
        """User and system CPU time the processes ``names`` used so far (``utime`` and
        ``stime`` of ``/proc/PID/stat``), in seconds."""
        ticks = 0
        for name in names:
            stat = Path(f"/proc/{self.procs[name].pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()  # fields[0] is the third field, state
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self, *names: str) -> None:
        procs = [self.procs.pop(n) for n in names if n in self.procs]
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)

    def close(self) -> None:
        self.stop(*self.procs)
        for log in self.logs:
            log.close()
        self.logs.clear()


def _composed(health: Any) -> bool:
    """A node's health, or a gateway's once its supergraph is composed."""
    sup = health.get("supergraph") if isinstance(health, dict) else None
    return sup is None or not sup.get("error")
