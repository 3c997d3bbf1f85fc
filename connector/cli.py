"""The ``guichet`` command line.

guichet node CONFIG [--host H] [--port P]   serve one connector node
guichet check-config CONFIG... [--probe]     validate node configurations
guichet sdl CONFIG                           print the node's subgraph SDL
guichet demo [--once] [--dir DIR]            the La Rochelle demo data space and DPD console
guichet policy check|evaluate ...            ODRL policies (see ``guichet policy -h``)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from connector.commands import guarded
from connector.config import NodeConfig, load_config
from connector.errors import ConfigError


def _check_config(args: argparse.Namespace) -> int:
    status = 0
    for path in args.config:
        try:
            config = load_config(path)
        except ConfigError as exc:
            for issue in exc.issues:
                print(f"error: {issue}", file=sys.stderr)
            status = 1
            continue
        problems = _policy_problems(config)
        if args.probe:
            problems += asyncio.run(_probe(config))
        for p in problems:
            print(f"error: {config.file}: {p}", file=sys.stderr)
        if problems:
            status = 1
        else:
            print(
                f"ok: {config.file}: node {config.name!r}, {len(config.sources)} source(s), "
                f"{len(config.entities)} entity type(s), {len(config.datasets)} dataset(s)"
            )
    return status


def _policy_problems(config: NodeConfig) -> list[str]:
    """Each dataset's policy, parsed and checked as the node will at start-up, and the
    contradictions between the configuration and its policies (usage control only)."""
    from datetime import UTC, datetime

    from connector.usage import load_policies
    from connector.usage.consistency import check_consistency

    if not config.usage.enforce:
        return []
    policies = load_policies(config)
    out = [
        f"datasets.{ds}.policy: {p.error}"
        for ds, p in policies.items()
        if p.error and config.datasets[ds].policy is not None and "targets" not in p.error
    ]
    return out + [str(f) for f in check_consistency(config, policies, now=datetime.now(UTC))]


async def _probe(config: NodeConfig) -> list[str]:
    """Check the mapping against the live sources (tables and columns exist)."""
    from connector.node import Node

    node = Node.from_config(config)
    problems: list[str] = []
    try:
        for name, source in node.sources.items():
            check = getattr(source, "check", None)
            if check is None:
                continue
            problems += [f"sources.{name}: {p}" for p in await check()]
    finally:
        await node.aclose()
    return problems


def _node(args: argparse.Namespace) -> int:
    import uvicorn

    from connector.app import create_app

    config = load_config(args.config)
    host = args.host or config.host
    port = args.port if args.port is not None else config.port
    uvicorn.run(create_app(config), host=host, port=port, log_level=args.log_level)
    return 0


def _sdl(args: argparse.Namespace) -> int:
    from connector.graphql import build_schema
    from connector.node import Node

    node = Node.from_config(load_config(args.config))
    print(build_schema(node).as_str())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from connector.demo.run import run_demo

    return run_demo(Path(args.dir), once=args.once, seed=args.seed, port_base=args.port_base)


def _policy(args: argparse.Namespace) -> int:
    from policies.cli import main as policy_main

    return policy_main(args.rest)


def _gateway(args: argparse.Namespace) -> int:
    from connector.gateway.cli import main as gateway_main

    code: int = gateway_main(args.rest)
    return code


def _audit(args: argparse.Namespace) -> int:
    from connector.audit.cli import main as audit_main

    return audit_main(args.rest)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="guichet", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)

    node = sub.add_parser("node", help="serve one connector node")
    node.add_argument("config", help="node configuration (TOML)")
    node.add_argument("--host")
    node.add_argument("--port", type=int)
    node.add_argument("--log-level", default="info")
    node.set_defaults(func=_node)

    check = sub.add_parser("check-config", help="validate node configuration files")
    check.add_argument("config", nargs="+")
    check.add_argument(
        "--probe",
        action="store_true",
        help="also check the mapped tables and columns on the live sources",
    )
    check.set_defaults(func=_check_config)

    sdl = sub.add_parser("sdl", help="print the node's subgraph SDL")
    sdl.add_argument("config")
    sdl.set_defaults(func=_sdl)

    demo = sub.add_parser("demo", help="start the La Rochelle demo data space")
    demo.add_argument(
        "--once", action="store_true", help="run the showcase queries, print them and exit"
    )
    demo.add_argument(
        "--dir",
        default=".guichet-demo",
        help="where the demo databases are generated (default: .guichet-demo)",
    )
    demo.add_argument("--seed", type=int, default=17)
    demo.add_argument(
        "--port-base",
        type=int,
        help="first of eight consecutive ports: issuer, cda, atmo, bouygues, gateway, lagord, "
        "bailleur, the landlord's JSON API (default 8100; the DPD console is the gateway's "
        "/console/)",
    )
    demo.set_defaults(func=_demo)

    from issuer.cli import add_issuer_parser

    add_issuer_parser(sub)

    gw = sub.add_parser(
        "gateway", help="serve the federation gateway over subgraphs", add_help=False
    )
    gw.add_argument("rest", nargs=argparse.REMAINDER)
    gw.set_defaults(func=_gateway)

    audit = sub.add_parser("audit", help="verify and export a node's audit log", add_help=False)
    audit.add_argument("rest", nargs=argparse.REMAINDER)
    audit.set_defaults(func=_audit)

    policy = sub.add_parser("policy", help="check and evaluate ODRL policies", add_help=False)
    policy.add_argument("rest", nargs=argparse.REMAINDER)
    policy.set_defaults(func=_policy)
    return p


DELEGATED = {"gateway": _gateway, "audit": _audit, "policy": _policy}
"""Subcommands with a parser of their own: everything after the name is theirs."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        args = argparse.Namespace(rest=argv[1:], func=DELEGATED[argv[0]])
    else:
        args = parser().parse_args(argv)
    return guarded(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
