"""``guichet audit``: verify the audit chain, export entries for the DPO.

guichet audit verify --db URL [--table T] [--expect-head HASH]
guichet audit notice --db URL [--config NODE.toml] [--expect-head HASH]
guichet audit export --db URL --format csv|jsonld [--base-iri IRI] [--party IRI]
                     [--dataset NAME] [--decision D] [--purpose P] [--since T] [--until T]
                     [--output FILE]

``verify`` prints ``ok: N entries, chain intact, head <hash>`` and exits 0, or names the
first altered, removed or reordered entry and exits 1. Both exit 2 when the database
cannot be read. ``notice`` drafts the personal-data breach notification (RGPD art. 33)
from the log's facts when the chain is broken (:mod:`connector.audit.notice`), or says the
chain is intact; it exits 0 either way. Times are ISO 8601 with ``Z`` or an offset, or a
date (midnight UTC); ``--since`` is inclusive, ``--until`` exclusive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from connector.audit.export import export_csv, export_jsonld
from connector.audit.log import AuditLog
from connector.audit.notice import draft, facts_after
from connector.audit.record import AuditFilter
from connector.config import load_config
from connector.errors import AuditError, GuichetError

CLI_NODE = "guichet-audit-cli"


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 date or date-time such as 2026-11-26 or "
            f"2026-11-26T09:30:00Z, got {text!r}"
        ) from None
    if len(text) == 10:
        return moment.replace(tzinfo=UTC)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no time zone; add Z (UTC) or an offset such as +01:00"
        )
    return moment


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="guichet audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="check that no entry was altered, removed or moved")
    export = sub.add_parser("export", help="export entries as CSV or JSON-LD (PROV-O)")
    notice = sub.add_parser(
        "notice",
        help="draft the RGPD art. 33 breach notification when the chain is broken",
    )
    notice.add_argument(
        "--config",
        type=Path,
        help="the node's TOML: names its controller and which datasets hold personal data",
    )
    notice.add_argument("--expect-head", help="a head hash recorded earlier (as for verify)")
    for command in (verify, export, notice):
        command.add_argument("--db", required=True, help="audit database URL")
        command.add_argument("--table", default="guichet_audit")
    verify.add_argument(
        "--expect-head",
        help="a head hash recorded earlier; if it is gone, "
        "entries were cut from the end of the log",
    )
    export.add_argument("--format", required=True, choices=("csv", "jsonld"))
    export.add_argument("--base-iri", help="the node's base IRI (required for jsonld)")
    export.add_argument("--party")
    export.add_argument("--dataset")
    export.add_argument("--decision")
    export.add_argument("--purpose")
    export.add_argument("--since", type=_time)
    export.add_argument("--until", type=_time)
    export.add_argument("--output", help="write to this file instead of standard output")
    return p


def _check_db(url: str) -> None:
    """A SQLite file that does not exist is an error here, not a new empty log."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise AuditError(f"--db: {url!r} is not a database URL") from exc
    db = parsed.database or ""
    if (
        parsed.get_backend_name() == "sqlite"
        and db
        and db != ":memory:"
        and not db.startswith("file:")
        and not Path(db).is_file()
    ):
        raise AuditError(f"--db: no SQLite file at {db}")


async def _verify(args: argparse.Namespace) -> tuple[int, str]:
    async with AuditLog(args.db, node=CLI_NODE, table=args.table) as log:
        report = await log.verify(expect_head=args.expect_head)
    return (0 if report.ok else 1), str(report)


async def _export(args: argparse.Namespace) -> tuple[int, str]:
    if args.format == "jsonld" and not args.base_iri:
        raise AuditError(
            "--base-iri is required with --format jsonld (the node's base IRI, "
            "e.g. http://127.0.0.1:8102)"
        )
    filters = AuditFilter(
        party=args.party,
        dataset=args.dataset,
        decision=args.decision,
        purpose=args.purpose,
        since=args.since,
        until=args.until,
    )
    async with AuditLog(args.db, node=CLI_NODE, table=args.table) as log:
        entries = [e async for e in log.entries(filters)]
    if args.format == "csv":
        return 0, export_csv(entries)
    document = export_jsonld(entries, args.base_iri)
    return 0, json.dumps(document, indent=2, ensure_ascii=False) + "\n"


async def _notice(args: argparse.Namespace) -> tuple[int, str]:
    config = load_config(args.config) if args.config else None
    async with AuditLog(args.db, node=CLI_NODE, table=args.table) as log:
        report = await log.verify(expect_head=args.expect_head)
        if report.problem is None:
            return 0, f"{report}: nothing to notify from the chain's integrity\n"
        facts = await facts_after(log, report.problem.seq)
        head = await log.rows_after(report.head_seq - 1, 1) if report.head_seq else []
    intact_until = head[0].entry.time if head and head[0].entry else None
    text = draft(
        report,
        facts,
        node=config.name if config else "?",
        controller=config.participant if config else "« À COMPLÉTER »",
        personal={d.id: d.personal_data for d in config.datasets.values()} if config else {},
        found=datetime.now(UTC),
        intact_until=intact_until,
    )
    return 0, text


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``guichet audit ...`` (``argv`` without the ``guichet audit`` prefix)."""
    args = parser().parse_args(argv)
    try:
        _check_db(args.db)
        command = {"verify": _verify, "export": _export, "notice": _notice}[args.command]
        code, text = asyncio.run(command(args))
    except GuichetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "verify":
        print(text)
    elif args.command == "notice":
        sys.stdout.write(text)
    elif args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            print(f"error: --output {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return code
