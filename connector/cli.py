"""The ``guichet`` command line: every process of the data space and its tools.

Each sub-command has its own ``-h``. The exit status is the same everywhere
(:data:`EXIT_STATUS`): 0 when all went well, 1 when the input is wrong or a check fails,
2 when the command line itself cannot be parsed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from connector.commands import guarded, long_lived
from connector.config import load_config

DESCRIPTION = """\
Guichet: a federated data-space connector. Each partner serves its own data in place
through a node; a gateway federates the nodes; an issuer gives the participants their
OAuth 2.0 credentials; every decision is written to a node's audit log.
"""

EXIT_STATUS = """\
exit status (every command):
  0  all went well (a check found nothing wrong; a policy evaluation permits)
  1  the input is wrong or a check fails: a bad configuration, policy or file, a
     database that cannot be read, a broken audit chain, a policy evaluation that denies
  2  the command line cannot be parsed (unknown option, missing or malformed argument)

See "guichet COMMAND -h" for each command's options.
"""


def _check_config(args: argparse.Namespace) -> int:
    from connector.check_config import check_configs

    return check_configs(args.config, probe=args.probe)


def _node(args: argparse.Namespace) -> int:
    import uvicorn

    from connector.app import CONFIG_ENV, create_app
    from connector.telemetry import configure_logging, uvicorn_log_config

    config = load_config(args.config)
    fmt = configure_logging(args.log_format)
    host = args.host or config.host
    port = args.port if args.port is not None else config.port
    if args.workers < 1:
        print(f"error: --workers {args.workers}: give 1 or more processes", file=sys.stderr)
        return 2
    if args.workers > 1:  # each process builds the node from the file (uvicorn's factory)
        os.environ[CONFIG_ENV] = str(config.file.resolve())
        os.environ["GUICHET_LOG_FORMAT"] = fmt
        uvicorn.run(
            "connector.app:app_from_environment",
            factory=True,
            workers=args.workers,
            host=host,
            port=port,
            log_level=args.log_level,
            log_config=uvicorn_log_config(fmt),
        )
        return 0
    uvicorn.run(
        long_lived(create_app(config)),
        host=host,
        port=port,
        log_level=args.log_level,
        log_config=uvicorn_log_config(fmt),
    )
    return 0


def _footprint(args: argparse.Namespace) -> int:
    from connector.footprint.report import run

    return run(load_config(args.config), args.since, args.until, args.format)


def _sdl(args: argparse.Namespace) -> int:
    from connector.graphql import build_schema
    from connector.node import Node

    node = Node.from_config(load_config(args.config))
    print(build_schema(node).as_str())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from connector.demo.run import run_demo

    return run_demo(Path(args.dir), once=args.once, seed=args.seed, port_base=args.port_base)


def add_log_format(p: argparse.ArgumentParser) -> None:
    from connector.telemetry import add_log_format as add

    add(p)


def parser() -> argparse.ArgumentParser:
    """The ``guichet`` parser; ``gateway``, ``audit`` and ``policy`` hand their arguments
    to their own parsers (:data:`DELEGATED`, :func:`sub_parser`)."""
    p = argparse.ArgumentParser(
        prog="guichet",
        description=DESCRIPTION,
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")

    node = sub.add_parser(
        "node",
        help="serve one connector node",
        description="Serve one connector node: GraphQL at /graphql, linked data at /id/..., "
        "the DCAT catalog at /catalog, /health. Without an [auth] section every caller is "
        "public, and the node warns so when it starts.",
    )
    node.add_argument("config", help="the node's configuration (TOML)")
    node.add_argument("--host", help="address to listen on (default: [node] host, 127.0.0.1)")
    node.add_argument("--port", type=int, help="port to listen on (default: [node] port)")
    node.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        help="uvicorn's log level (%(default)s)",
    )
    node.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve with N processes sharing the port (%(default)s); they share the node's "
        "state database: one audit chain, its quotas, agreements and console sessions",
    )
    add_log_format(node)
    node.set_defaults(func=_node)

    check = sub.add_parser(
        "check-config",
        help="validate node configuration files",
        description="Check node configurations as the node will read them: the TOML, the "
        "policies, and the mapping against sources held in local files (SQLite, CSV).",
    )
    check.add_argument("config", nargs="+", help="node configuration files (TOML)")
    check.add_argument(
        "--probe",
        action="store_true",
        help="also check the mapped tables and columns on database servers and APIs",
    )
    check.set_defaults(func=_check_config)

    foot = sub.add_parser(
        "footprint",
        help="what answering cost a node: CPU, bytes, energy and g CO2e per dataset",
        description="Print what answering cost the node CONFIG over a period, per dataset: "
        "requests, CPU time, bytes sent, energy (Wh) and g CO2e, from the totals its "
        "processes write to its state database, with the factors ([footprint]) and sources.",
    )
    foot.add_argument("config", help="the node's configuration (TOML)")
    foot.add_argument("--since", help="from this date or date-time (UTC without offset)")
    foot.add_argument("--until", help="up to this date or date-time, excluded")
    foot.add_argument(
        "--format", choices=("text", "csv"), default="text", help="output (%(default)s)"
    )
    foot.set_defaults(func=_footprint)

    sdl = sub.add_parser("sdl", help="print the node's subgraph SDL")
    sdl.add_argument("config", help="the node's configuration (TOML)")
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
    demo.add_argument(
        "--seed", type=int, default=17, help="seed of the generated demo data (%(default)s)"
    )
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

    for name, (summary, _) in DELEGATED.items():
        delegated = sub.add_parser(name, help=summary, add_help=False)
        delegated.add_argument("rest", nargs=argparse.REMAINDER, help=f"see guichet {name} -h")
    return p


def sub_parser(name: str) -> argparse.ArgumentParser:
    """The own parser of a delegated sub-command (``gateway``, ``audit``, ``policy``)."""
    parser_of: Callable[[], argparse.ArgumentParser] = import_module(DELEGATED[name][1]).parser
    return parser_of()


DELEGATED: dict[str, tuple[str, str]] = {
    "gateway": ("serve the federation gateway over the nodes' subgraphs", "connector.gateway.cli"),
    "audit": ("verify and export a node's audit log", "connector.audit.cli"),
    "policy": ("check and evaluate ODRL policies", "policies.cli"),
    "dsp": ("negotiate and transfer as a Dataspace Protocol consumer", "connector.dsp.cli"),
    "rollup": ("build and refresh ICONE's daily rollup", "connector.rollup_cli"),
}
"""Sub-commands with a parser of their own (the module's ``parser()``): everything after
the name is theirs."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        run: Callable[[list[str]], int] = import_module(DELEGATED[argv[0]][1]).main
        return run(argv[1:])
    args = parser().parse_args(argv)
    return guarded(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
