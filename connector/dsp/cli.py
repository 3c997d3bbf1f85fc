"""``guichet dsp``: a node as a Dataspace Protocol consumer.

guichet dsp catalog URL [--config NODE.toml]
guichet dsp negotiate URL DATASET OFFER --config NODE.toml [--purpose IRI] [--timeout S]
                      [--accept-counter-offer]
guichet dsp transfer URL AGREEMENT --config NODE.toml [--timeout S] [--query GRAPHQL]

``URL`` is the provider's base URL (its ``/.well-known/dspace-version`` gives the
protocol's root). ``--config`` is the consumer node's configuration: its ``[dsp]``
credentials sign the requests, its ``base_iri`` + ``/dsp/callback`` is the callback
address, and the process is recorded in its state database ([usage] audit_db), where
the running node records what the provider sends; run the command where that database
is. ``negotiate`` waits (``--timeout``, 30 s) for FINALIZED and prints the agreement;
should the provider answer with an offer other than OFFER (other rules, another @id),
the node terminates the negotiation, unless ``--accept-counter-offer`` lets it accept;
``transfer`` waits for the start and prints the data address (endpoint and token), and
with ``--query`` runs that GraphQL query there with the token. Exit status: 0 done, 1 a
refusal, a termination, a timeout or a bad configuration, 2 a bad command line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

import httpx

from connector.audit import state_engines
from connector.commands import guarded
from connector.config import NodeConfig, load_config
from connector.dsp import consumer
from connector.dsp.outbound import Outbound
from connector.dsp.store import DspStore
from connector.errors import GuichetError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="guichet dsp",
        description="A node as a Dataspace Protocol 2025-1 consumer.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cat = sub.add_parser("catalog", help="print a provider's catalog: datasets and offers")
    cat.add_argument("url", help="the provider's base URL")
    cat.add_argument("--config", help="sign the request with this node's [dsp] credentials")
    cat.add_argument("--json", action="store_true", help="print the catalog as it came")
    neg = sub.add_parser("negotiate", help="negotiate an offer; print the agreement")
    neg.add_argument("url", help="the provider's base URL")
    neg.add_argument("dataset", help="the dataset's @id (or identifier) in the catalog")
    neg.add_argument("offer", help="the offer's @id")
    neg.add_argument(
        "--purpose",
        help="the purpose (IRI) to negotiate for: the agreement holds it, as acceptOffer's "
        "purpose (the issuer must allow it to the node's participant)",
    )
    neg.add_argument(
        "--accept-counter-offer",
        action="store_true",
        help="accept the provider's offer should it answer with another than OFFER "
        "(by default the negotiation is then terminated)",
    )
    tra = sub.add_parser("transfer", help="start a pull transfer; print the data address")
    tra.add_argument("url", help="the provider's base URL")
    tra.add_argument("agreement", help="the agreement's @id (as negotiate printed it)")
    tra.add_argument("--query", help="then run this GraphQL query with the transfer's token")
    for command in (neg, tra):
        command.add_argument("--config", required=True, help="the consumer node's TOML")
        command.add_argument(
            "--timeout", type=float, default=30.0, help="seconds to wait (%(default)s)"
        )
    return p


def _print_catalog(found: dict[str, Any]) -> None:
    print(f"catalog {found.get('@id')} of {found.get('participantId')}")
    datasets = found.get("dataset", [])
    if not datasets:
        print("  no dataset offered for negotiation")
    for ds in datasets:
        print(f"  dataset {ds.get('@id')}  ({ds.get('dct:title', '')})")
        for offer in ds.get("hasPolicy", []):
            print(f"    offer {offer.get('@id')}")


async def _run(args: argparse.Namespace) -> int:
    config: NodeConfig | None = load_config(args.config) if args.config else None
    async with httpx.AsyncClient(timeout=20) as client:
        purpose = getattr(args, "purpose", None)
        outbound = Outbound(config.dsp if config else None, client, attempts=2, purpose=purpose)
        if args.command == "catalog":
            found = await consumer.catalog(outbound, args.url, signed=config is not None)
            if args.json:
                print(json.dumps(found, indent=2, ensure_ascii=False))
            else:
                _print_catalog(found)
            return 0
        assert config is not None
        if config.dsp is None:
            raise GuichetError(f"{config.file}: no [dsp] section: the node has no credentials")
        engine, writer = state_engines(config.usage.audit_db)
        try:
            return await _consume(args, config, DspStore(engine, writer), outbound)
        finally:
            await engine.dispose()


async def _consume(
    args: argparse.Namespace, config: NodeConfig, store: DspStore, outbound: Outbound
) -> int:
    if args.command == "negotiate":
        row = await consumer.negotiate(
            store,
            outbound,
            args.url,
            args.dataset,
            args.offer,
            config.base_iri,
            timeout=args.timeout,
            accept_counter_offer=args.accept_counter_offer,
        )
        if row["state"] != "FINALIZED":
            raise GuichetError(f"the negotiation ended {row['state']}: {row['problem']}")
        print(f"negotiation {row['consumer_pid']} FINALIZED (provider {row['provider_pid']})")
        if row["offer"] != args.offer:
            print(f"offer: {row['offer']} (the provider's, accepted instead of {args.offer})")
        print(f"agreement: {row['agreement']}")
        return 0
    negotiated = await store.consumer_negotiations.find(agreement=args.agreement)
    if negotiated is not None:
        provider = negotiated["provider"]
    else:  # an agreement made otherwise (acceptOffer): the provider is the catalog's
        provider = str((await consumer.catalog(outbound, args.url, signed=True))["participantId"])
    row = await consumer.transfer(
        store.consumer_transfers,
        outbound,
        args.url,
        args.agreement,
        config.base_iri,
        provider=provider,
        timeout=args.timeout,
    )
    if row["state"] != "STARTED":
        raise GuichetError(f"the transfer ended {row['state']}: {row['problem']}")
    print(f"transfer {row['consumer_pid']} STARTED (provider {row['provider_pid']})")
    print(f"endpoint: {row['endpoint']}")
    print(f"token: {row['token']}")
    if args.query:
        r = await outbound.client.post(
            row["endpoint"],
            json={"query": args.query},
            headers={"Authorization": f"Bearer {row['token']}"},
        )
        print(json.dumps(r.json() if r.content else {}, indent=2, ensure_ascii=False))
        if r.status_code != 200:
            return 1
    return 0


def _main(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args))
    except httpx.HTTPError as exc:
        raise GuichetError(f"HTTP: {exc}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``guichet dsp ...`` (``argv`` without the ``guichet dsp`` prefix)."""
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return guarded(_main, args)
