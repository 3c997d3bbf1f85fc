"""``guichet demo``: the La Rochelle data space on loopback, with a showcase.

The issuer, the five partner nodes, the social landlord's own JSON API (which its node
reads) and the gateway run in one process (one uvicorn server each, real HTTP on
127.0.0.1); the demo participants are registered with the issuer, and the showcase gets
tokens from it and queries the nodes and the gateway over HTTP like any client would: a
permitted query, an aggregated one and a denied one, each with its reason, a federated
one, and every building of the agglomeration paged across its three holders.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from connector.app import create_app
from connector.commands import long_lived
from connector.config import NodeConfig, load_config
from connector.demo.bailleur_api import create_api
from connector.demo.generate import (
    BAILLEUR_API,
    DEFAULT_PORTS,
    NODES,
    PORT_ORDER,
    DemoPaths,
    generate,
)
from connector.demo.participants import (
    CONSOLE_CLIENT,
    families_page,
    register_all,
    register_console,
    wire_dsp,
)
from connector.demo.showcase import federated, showcase
from connector.demo.showcase_dsp import dsp_step
from connector.demo.showcase_partitions import partitioned
from connector.demo.showcase_results import results_only
from connector.errors import GuichetError
from issuer import IssuerSettings, create_issuer_app


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _server(app: Any, host: str, port: int) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(long_lived(app), host=host, port=port, log_level="warning", lifespan="on")
    )


async def _serve(
    paths: DemoPaths,
    issuer_port: int,
    configs: Mapping[str, NodeConfig],
    *,
    once: bool,
    gateway_port: int | None = None,
    api_port: int = DEFAULT_PORTS[BAILLEUR_API],
) -> int:
    issuer = f"http://127.0.0.1:{issuer_port}"
    settings = IssuerSettings(
        issuer=issuer,
        audiences=tuple(c.base_iri for c in configs.values()),
        database_url=f"sqlite+aiosqlite:///{paths.target_dir / 'issuer.db'}",
        key_dir=paths.target_dir / "issuer-keys",
    )
    wanted = [
        ("127.0.0.1", issuer_port),
        ("127.0.0.1", api_port),
        *((c.host, c.port) for c in configs.values()),
    ]
    if gateway_port is not None:
        wanted.append(("127.0.0.1", gateway_port))
    for host, port in wanted:
        if not _port_free(host, port):
            print(
                f"error: port {port} on {host} is in use; stop what uses it or pass --port-base",
                file=sys.stderr,
            )
            return 1
    creds_file = paths.target_dir / "credentials.json"
    creds = await register_all(settings.database_url, creds_file)
    for name in configs:  # the nodes' own credentials, for the Dataspace Protocol
        if name in creds:
            wire_dsp(paths.configs[name], creds[name])
    configs = {n: load_config(paths.configs[n]) for n in configs}
    consoles = [f"{c.base_iri}/console" for c in configs.values() if c.console is not None]
    if gateway_port is not None:
        consoles.insert(0, f"http://127.0.0.1:{gateway_port}/console")
    accounts = await register_console(
        settings.database_url, creds_file, [f"{u}/callback" for u in consoles]
    )
    servers = [_server(create_issuer_app(settings), "127.0.0.1", issuer_port)]
    servers.append(_server(create_api(paths.bailleur_json), "127.0.0.1", api_port))
    servers += [_server(create_app(c), c.host, c.port) for c in configs.values()]
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    deadline = time.monotonic() + 30
    while not all(s.started for s in servers):
        if time.monotonic() > deadline or any(t.done() for t in tasks):
            print("error: a demo server failed to start", file=sys.stderr)
            return 1
        await asyncio.sleep(0.05)
    urls = {n: f"{c.base_iri}/graphql" for n, c in configs.items()}
    gateway = None
    if gateway_port is not None:
        from connector.gateway import create_gateway_app

        app = create_gateway_app(
            urls,
            console_issuer=issuer,
            console_client_id=CONSOLE_CLIENT,
            transparence=families_page(issuer, creds),
            # the console's sessions, shared with any second gateway given this database
            state_db=f"sqlite+aiosqlite:///{paths.target_dir / 'gateway.db'}",
        )
        gw = _server(app, "127.0.0.1", gateway_port)
        servers.append(gw)
        tasks.append(asyncio.create_task(gw.serve()))
        while not gw.started:
            if tasks[-1].done():
                print("error: the demo gateway failed to start", file=sys.stderr)
                return 1
            await asyncio.sleep(0.05)
        gateway = f"http://127.0.0.1:{gateway_port}/graphql"
    print("Guichet demo data space on loopback:")
    print(
        f"  {'issuer':<9} OAuth 2.0 issuer {issuer}  (metadata "
        f"{issuer}/.well-known/oauth-authorization-server)"
    )
    for name, config in configs.items():
        print(f"  {name:<9} {config.title}")
        print(
            f"            GraphQL {config.base_iri}/graphql   catalog {config.base_iri}/catalog"
            f"   health {config.base_iri}/health"
        )
    print(
        f"  {'':<9} (the landlord's own JSON API, which its node reads: "
        f"http://127.0.0.1:{api_port}/api/residences)"
    )
    if gateway:
        print(f"  {'gateway':<9} federation gateway {gateway}")
    print(f"  participants' demo credentials: {creds_file}")
    if consoles:
        dpd = accounts["dpd"]["password"]
        agent = accounts["agent"]["password"]
        print(f"  DPD console: {consoles[0]}/ — account dpd, password {dpd}")
        if len(consoles) > 1:
            print(f"    (each node's own: {', '.join(u + '/' for u in consoles[1:])})")
        print(f"    an account without the DPD role: agent, password {agent}")
    print()
    code = 0
    try:
        print(await showcase(urls, issuer, creds))
        if gateway:
            audiences = [c.base_iri for c in configs.values()]
            print("\n" + await federated(gateway, issuer, creds, audiences))
            print("\n" + await partitioned(gateway, urls, configs))
            print("\n" + await results_only(gateway, issuer, creds, audiences))
        print(await dsp_step(configs))
    except (GuichetError, httpx.HTTPError, KeyError) as exc:
        print(f"error: showcase failed: {exc}", file=sys.stderr)
        code = 1
    if not once and code == 0:
        print("\nServing; press Ctrl-C to stop.")
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)
    for s in servers:
        s.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    return code


def run_demo(target: Path, *, once: bool, seed: int = 17, port_base: int | None = None) -> int:
    """Generate the demo data (once), start the issuer, the landlord's API, the five nodes
    and the gateway, and run the showcase.

    ``port_base``: the issuer's port; cda, atmo, bouygues, the gateway, lagord, bailleur
    and the landlord's API take the next seven, in that order."""
    ports = (
        {n: port_base + i for i, n in enumerate(PORT_ORDER)}
        if port_base is not None
        else dict(DEFAULT_PORTS)
    )
    started = time.monotonic()
    print(f"Preparing the demo data in {target} (seed {seed}) ...", flush=True)
    paths = generate(target, seed=seed, ports=ports)
    print(f"  ready in {time.monotonic() - started:.1f} s\n", flush=True)
    configs = {n: load_config(paths.configs[n]) for n in NODES}
    try:
        return asyncio.run(
            _serve(
                paths,
                ports["issuer"],
                configs,
                once=once,
                gateway_port=ports["gateway"],
                api_port=ports[BAILLEUR_API],
            )
        )
    except KeyboardInterrupt:
        return 0
