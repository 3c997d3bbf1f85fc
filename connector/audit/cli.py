"""``guichet audit``: verify the audit chain, export entries for the DPO.

guichet audit verify (--config NODE.toml | --db URL) [--table T] [--expect-head HASH]
guichet audit notice (--config NODE.toml | --db URL) [--table T] [--expect-head HASH]
guichet audit export (--config NODE.toml | --db URL) --format csv|jsonld [--party IRI]
                     [--dataset ID] [--decision D] [--purpose P] [--since T] [--until T]
                     [--output FILE]

--config reads the node's configuration: its audit database ([usage] audit_db), its
base IRI and its datasets' IRIs (which the JSON-LD export needs, as the node's /catalog
publishes them). ``verify`` prints ``ok: N entries, chain intact, head <hash>`` and
exits 0, or names the first altered, removed or reordered entry and exits 1. Both exit
1 when the configuration or the database cannot be read, 2 when the command line cannot
be parsed. ``notice`` drafts the personal-data breach notification (RGPD art. 33) from the
log's facts when the chain is broken (:mod:`connector.audit.notice`; with --config it names
the controller and which datasets hold personal data), or says the chain is intact; it
exits 0 either way. Times are ISO 8601 with ``Z`` or an offset, or a date (midnight UTC);
``--since`` is inclusive, ``--until`` exclusive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from connector.audit.export import export_csv, export_jsonld
from connector.audit.log import AuditLog
from connector.audit.notice import TODO, draft, facts_after
from connector.audit.record import AuditFilter, Outcome
from connector.audit.segments import prune
from connector.commands import sqlite_file
from connector.errors import AuditError, ConfigError, GuichetError

if TYPE_CHECKING:
    from connector.config import NodeConfig

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
    sub = p.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    verify = sub.add_parser("verify", help="check that no entry was altered, removed or moved")
    export = sub.add_parser("export", help="export entries as CSV or JSON-LD (PROV-O)")
    notice = sub.add_parser(
        "notice", help="draft the RGPD art. 33 breach notification when the chain is broken"
    )
    notice.add_argument(
        "--expect-head", metavar="HASH", help="a head hash recorded earlier (as for verify)"
    )
    prune = sub.add_parser(
        "prune",
        help="remove the entries older than the retention, the chain kept (a signed segment)",
    )
    prune.add_argument(
        "--config",
        metavar="NODE.toml",
        required=True,
        help="the node's configuration: its audit database, key and [register] audit_retention",
    )
    prune.add_argument(
        "--before",
        type=_time,
        metavar="TIME",
        help="remove entries older than this (default: now minus [register] audit_retention)",
    )
    prune.add_argument("--table", default="guichet_audit", help="the audit table (%(default)s)")
    for command in (verify, export, notice):
        where = command.add_mutually_exclusive_group(required=True)
        where.add_argument(
            "--config",
            metavar="NODE.toml",
            help="the node's configuration: its audit database, base IRI and dataset IRIs",
        )
        where.add_argument(
            "--db", metavar="URL", help="the audit database URL (the node's [usage] audit_db)"
        )
        command.add_argument(
            "--table", default="guichet_audit", help="the audit table (%(default)s)"
        )
    verify.add_argument(
        "--expect-head",
        metavar="HASH",
        help="a head hash recorded earlier; if it is gone, "
        "entries were cut from the end of the log",
    )
    export.add_argument(
        "--format",
        required=True,
        choices=("csv", "jsonld"),
        help="CSV (RFC 4180), or JSON-LD in PROV-O terms (needs --config)",
    )
    export.add_argument("--party", metavar="IRI", help="only the entries of this participant")
    export.add_argument("--dataset", metavar="ID", help="only the entries naming this dataset")
    export.add_argument(
        "--decision",
        choices=[o.value for o in Outcome],
        help="only the entries with this decision",
    )
    export.add_argument("--purpose", metavar="IRI", help="only the entries for this purpose")
    export.add_argument("--since", type=_time, metavar="TIME", help="entries at or after TIME")
    export.add_argument("--until", type=_time, metavar="TIME", help="entries before TIME")
    export.add_argument(
        "--output", metavar="FILE", help="write to this file instead of standard output"
    )
    return p


def _check_db(url: str, where: str = "--db") -> None:
    """A SQLite file that does not exist is an error here, not a new empty log."""
    try:
        file = sqlite_file(url)
    except ValueError as exc:
        raise AuditError(f"{where}: {exc}") from exc
    if file is not None and not file.is_file():
        raise AuditError(f"{where}: no SQLite file at {file}")


@dataclass(frozen=True)
class _Target:
    """The log to read and, from a node's configuration, how to name its datasets."""

    db: str
    base_iri: str | None = None
    datasets: Mapping[str, str] = field(default_factory=dict)
    config: NodeConfig | None = None


def _target(args: argparse.Namespace) -> _Target:
    if args.config is None:
        _check_db(args.db)
        return _Target(args.db)
    from connector.config import load_config
    from connector.usage.resources import resource_iris

    config = load_config(args.config)
    _check_db(config.usage.audit_db, f"{config.file}: usage.audit_db")
    return _Target(config.usage.audit_db, config.base_iri, resource_iris(config), config)


async def _verify(args: argparse.Namespace, target: _Target) -> tuple[int, str]:
    async with AuditLog(target.db, node=CLI_NODE, table=args.table) as log:
        report = await log.verify(expect_head=args.expect_head)
    return (0 if report.ok else 1), str(report)


async def _prune(args: argparse.Namespace, target: _Target) -> tuple[int, str]:
    from connector.config._texts import cutoff
    from connector.usage.decision import load_pseudonym_key

    config = target.config
    assert config is not None  # --config is required
    before = args.before or cutoff(datetime.now(UTC), config.register.audit_retention)
    key = load_pseudonym_key(config.usage.pseudonym_key_file)
    async with AuditLog(target.db, node=config.name, table=args.table) as log:
        done = await prune(log, before=before, key=key, party=config.participant)
        report = await log.verify(key=key)
    if done is None:
        return 0, f"nothing older than {before.isoformat()}; {report}\n"
    return 0, (
        f"pruned entries #{done.first} to #{done.last} ({done.count}), older than "
        f"{before.isoformat()}; segment entry #{done.segment} vouches for them; {report}\n"
    )


async def _notice(args: argparse.Namespace, target: _Target) -> tuple[int, str]:
    config = target.config
    async with AuditLog(target.db, node=CLI_NODE, table=args.table) as log:
        report = await log.verify(expect_head=args.expect_head)
        if report.problem is None:
            return 0, f"{report}: nothing to notify from the chain's integrity\n"
        facts = await facts_after(log, report.problem.seq)
        head = await log.rows_after(report.head_seq - 1, 1) if report.head_seq else []
    text = draft(
        report,
        facts,
        node=config.name if config else "?",
        controller=config.participant if config else TODO,
        personal={d.id: d.personal_data for d in config.datasets.values()} if config else {},
        found=datetime.now(UTC),
        intact_until=head[0].entry.time if head and head[0].entry else None,
    )
    return 0, text


async def _export(args: argparse.Namespace, target: _Target) -> tuple[int, str]:
    if args.format == "jsonld" and target.base_iri is None:
        raise AuditError(
            "--format jsonld needs --config (the node's configuration: the IRIs of its "
            "entries and datasets)"
        )
    filters = AuditFilter(
        party=args.party,
        dataset=args.dataset,
        decision=args.decision,
        purpose=args.purpose,
        since=args.since,
        until=args.until,
    )
    async with AuditLog(target.db, node=CLI_NODE, table=args.table) as log:
        entries = [e async for e in log.entries(filters)]
    if args.format == "csv" or target.base_iri is None:
        return 0, export_csv(entries)
    document = export_jsonld(entries, target.base_iri, target.datasets)
    return 0, json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``guichet audit ...`` (``argv`` without the ``guichet audit`` prefix)."""
    args = parser().parse_args(argv)
    try:
        target = _target(args)
        commands = {"verify": _verify, "export": _export, "notice": _notice, "prune": _prune}
        command = commands[args.command]
        code, text = asyncio.run(command(args, target))
    except ConfigError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=sys.stderr)
        return 1
    except GuichetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.command == "verify":
        print(text)
    elif args.command in ("notice", "prune"):
        sys.stdout.write(text)
    elif args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            print(f"error: --output {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return code
