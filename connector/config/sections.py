"""The optional sections of a node configuration: ``[limits]``, ``[auth]``, ``[usage]``,
``[indoor_air]``, ``[carbon]`` and ``[console]`` (see :mod:`connector.config`)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.config._checker import Checker as _Checker
from connector.config.rollup import RollupConfig, parse_rollup


@dataclass(frozen=True)
class Limits:
    """``[limits]``: page sizes; the depth, aliases and tokens of a GraphQL operation
    (the gateway's defaults too); ``max_body_bytes`` of a request body, beyond which the
    node answers 413 (checked as the body arrives, whatever its ``Content-Length``);
    ``compiled_path``: answer operations that only read mapped columns without per-field
    resolution (:mod:`connector.graphql._compiled`; false: always the general executor)."""

    max_page_size: int = 500
    default_page_size: int = 50
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 1048576
    compiled_path: bool = True


@dataclass(frozen=True)
class AuthConfig:
    """``[auth]``: the OAuth 2.0 issuer whose tokens the node accepts. The keys are those of
    :class:`connector.identity.VerifierSettings` (``issuer``, ``audience``, ``jwks_url``,
    ``roles_claim``, ``purpose_claim``...); ``audience`` defaults to the node's base IRI."""

    settings: Mapping[str, Any]


MIN_GROUP_SIZE = 5
"""Default floor of rows (readings) per cell of an aggregate or derived value."""
MIN_SUBJECTS = 10
"""Default floor of distinct subjects per cell, for personal data: the threshold under
which France's public statistics of residential energy use are not published (fewer than
10 dwellings; see the README, "What usage control guarantees")."""


@dataclass(frozen=True)
class UsageConfig:
    """``[usage]``: usage control. ``enforce = false`` serves data without policies (for
    benchmarks and private test nodes only); ``memberships`` gives the ``odrl:partOf`` facts
    (party IRI = [collection IRIs]) the node knows about its callers.

    ``transparency_role`` is the role of the families' page's participant: it may read the
    node's usage summary (``GET /audit/summary``: counts by participant type and purpose,
    never a party), and nothing else of the log; ``party_types`` (party IRI = type key, e.g.
    ``"recherche"``) is how that summary groups callers (the public is ``public``, a party
    not listed ``autre``).

    ``min_group_size`` and ``min_subjects`` are the floors every aggregate and derived
    value obeys for a caller who may not read its rows: each group is built from cells of
    at least ``min_group_size`` rows (readings), and, for personal data, of at least
    ``min_subjects`` distinct subjects (dwellings); a policy's ``gui:groupSize`` and
    ``gui:subjectCount`` constraints can only raise them.

    ``audit_busy_timeout``: seconds a write to an SQLite audit log waits for another
    writer's lock before it tries again (and, after a few tries, fails the request).
    ``audit_check_interval``: seconds between two checks of the audit chain by the running
    node (:mod:`connector.audit.watch`); 0 checks it at start only.
    ``audit_durability``: ``"disk"`` (an entry is fsynced before its answer leaves) or
    ``"process"`` (handed to the database: it survives the node's crash, not a power loss)."""

    enforce: bool = True
    audit_db: str = ""
    pseudonym_key_file: Path | None = None
    memberships: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dpd_role: str = "dpd"
    transparency_role: str = "transparence"
    party_types: Mapping[str, str] = field(default_factory=dict)
    min_group_size: int = MIN_GROUP_SIZE
    min_subjects: int = MIN_SUBJECTS
    audit_busy_timeout: float = 30.0
    audit_check_interval: float = 300.0
    audit_durability: str = "disk"


@dataclass(frozen=True)
class IndoorAirConfig:
    """``[indoor_air]``: the node computes ICONE on occupied times only. Occupancy is a
    recurring window (ISO ``weekdays``, ``hours`` ranges) minus the days without class of a
    ``calendar`` CSV (columns ``type,libelle,debut,fin``; rows of type ``vacances``,
    ``pont`` and ``ferie`` are excluded, ``debut`` to ``fin`` inclusive)."""

    weekdays: tuple[int, ...]
    hours: tuple[tuple[time, time], ...]
    excluded: tuple[tuple[date, date], ...]
    calendar: Path | None = None
    co2: str = "co2"
    rollup: RollupConfig | None = None


@dataclass(frozen=True)
class CarbonConfig:
    """``[carbon]``: the node computes buildings' carbon (RE2020 ``Ic_construction`` from a
    bill of quantities it ``@requires`` from the node that holds it, and operational
    emissions from its own energy use). ``building_types`` maps our usage values to the
    building types of the RE2020 thresholds; ``material_dataset`` and
    ``material_publisher`` name where the required bill comes from (for provenance).

    On the node that holds the bill instead (results-only sharing), ``declarations`` is
    the base URL of the node holding the product declarations: the node computes its
    projects' ``ConstructionProject.carbon`` from its own bill and those declarations,
    and publishes only the result."""

    building_types: Mapping[str, str] = field(default_factory=dict)
    material_dataset: str | None = None
    material_publisher: str | None = None
    permit_year: int | None = None
    declarations: str | None = None


@dataclass(frozen=True)
class ConsoleConfig:
    """``[console]``: the node serves the DPD console at ``/console`` for its own data;
    ``client_id`` is the console's public web client at the issuer of ``[auth]``;
    ``session_idle`` and ``session_max`` bound a session's life, in seconds."""

    client_id: str
    session_idle: int = 900
    session_max: int = 8 * 3600
    timezone: str = "Europe/Paris"


def resolve_sqlite(url: str, file: Path) -> str:
    prefix, sep, rest = url.partition(":///")
    if (
        prefix.startswith("sqlite")
        and sep
        and rest
        and not rest.startswith("/")
        and not rest.startswith(":memory:")
    ):
        return f"{prefix}:///{(file.parent / rest).resolve()}"
    return url


def _limits(c: _Checker, table: Mapping[str, Any]) -> Limits:
    defaults = Limits()
    values: dict[str, Any] = {}
    c.unknown(table, "limits", set(defaults.__dataclass_fields__))
    for name in defaults.__dataclass_fields__:
        if name == "compiled_path" and name in table:
            if not isinstance(table[name], bool):
                c.fail(f"limits.{name}", f"expected true or false, got {table[name]!r}")
            else:
                values[name] = table[name]
        elif name in table:
            v = table[name]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                c.fail(f"limits.{name}", f"expected a positive integer, got {v!r}")
            else:
                values[name] = v
    return Limits(**values)


_AUTH_KEYS = {
    "issuer",
    "audience",
    "jwks_url",
    "algorithms",
    "leeway",
    "party_claim",
    "client_claim",
    "roles_claim",
    "purpose_claim",
    "scope_claim",
    "token_type",
    "public_party",
    "jwks_ttl",
    "min_refetch_interval",
}


def _auth(c: _Checker, table: Mapping[str, Any], base_iri: str) -> AuthConfig | None:
    if not table:
        return None
    c.unknown(table, "auth", _AUTH_KEYS)
    issuer = c.string(table, "auth", "issuer")
    if issuer and not issuer.startswith(("http://", "https://")):
        c.fail("auth.issuer", f"expected the issuer's http(s) URL, got {issuer!r}")
    settings = {
        k: (tuple(v) if isinstance(v, list) else v) for k, v in table.items() if k in _AUTH_KEYS
    }
    settings.setdefault("audience", base_iri)
    return AuthConfig(settings)


def _usage(c: _Checker, table: Mapping[str, Any], file: Path, name: str) -> UsageConfig:
    c.unknown(
        table,
        "usage",
        {
            "enforce",
            "audit_db",
            "pseudonym_key_file",
            "memberships",
            "dpd_role",
            "transparency_role",
            "party_types",
            "min_group_size",
            "min_subjects",
            "audit_busy_timeout",
            "audit_check_interval",
            "audit_durability",
        },
    )
    enforce = table.get("enforce", True)
    if not isinstance(enforce, bool):
        c.fail("usage.enforce", f"expected true or false, got {enforce!r}")
        enforce = True
    audit_db = c.string(
        table, "usage", "audit_db", required=False, default=f"sqlite+aiosqlite:///{name}-audit.db"
    )
    audit_db = resolve_sqlite(audit_db, file)
    key_raw = c.string(
        table, "usage", "pseudonym_key_file", required=False, default=f"{name}-pseudonym.key"
    )
    memberships: dict[str, tuple[str, ...]] = {}
    for party, groups in c.table(table, "usage", "memberships", required=False).items():
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            c.fail(f"usage.memberships.{party}", "expected a list of collection IRIs")
            continue
        memberships[party] = tuple(groups)
    party_types: dict[str, str] = {}
    for party, kind in c.table(table, "usage", "party_types", required=False).items():
        if not isinstance(kind, str) or not kind:
            c.fail(
                f"usage.party_types.{party}",
                f"expected a type name such as 'recherche', got {kind!r}",
            )
            continue
        party_types[party] = kind
    return UsageConfig(
        enforce=enforce,
        audit_db=audit_db,
        pseudonym_key_file=(file.parent / key_raw).resolve(),
        memberships=memberships,
        dpd_role=c.string(table, "usage", "dpd_role", required=False, default="dpd"),
        transparency_role=c.string(
            table, "usage", "transparency_role", required=False, default="transparence"
        ),
        party_types=party_types,
        min_group_size=_floor(c, table, "min_group_size", MIN_GROUP_SIZE),
        min_subjects=_floor(c, table, "min_subjects", MIN_SUBJECTS),
        audit_busy_timeout=_seconds(c, table, "audit_busy_timeout", 30.0),
        audit_check_interval=_seconds(c, table, "audit_check_interval", 300.0, zero=True),
        audit_durability=_durability(c, table),
    )


def _durability(c: _Checker, table: Mapping[str, Any]) -> str:
    value = table.get("audit_durability", "disk")
    if value not in ("disk", "process"):
        c.fail("usage.audit_durability", f"expected 'disk' or 'process', got {value!r}")
        return "disk"
    return str(value)


def _seconds(
    c: _Checker, table: Mapping[str, Any], name: str, default: float, *, zero: bool = False
) -> float:
    value = table.get(name, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (value >= 0 if zero else value > 0)
    ):
        what = "a number of seconds, 0 or more" if zero else "a positive number of seconds"
        c.fail(f"usage.{name}", f"expected {what}, got {value!r}")
        return default
    return float(value)


def _floor(c: _Checker, table: Mapping[str, Any], name: str, default: int) -> int:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        c.fail(f"usage.{name}", f"expected a whole number of at least 1, got {value!r}")
        return default
    return value


CLOSED_DAYS = ("vacances", "pont", "ferie")


def _indoor_air(c: _Checker, table: Mapping[str, Any], file: Path) -> IndoorAirConfig | None:
    if not table:
        return None
    key = "indoor_air"
    c.unknown(table, key, {"weekdays", "hours", "calendar", "co2", "rollup"})
    days = table.get("weekdays", [1, 2, 3, 4, 5])
    if not isinstance(days, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
        c.fail(f"{key}.weekdays", f"expected ISO weekdays 1 (Monday) to 7, got {days!r}")
        days = []
    hours: list[tuple[time, time]] = []
    for i, pair in enumerate(table.get("hours", [["00:00", "23:59:59"]])):
        try:
            a, b = (time.fromisoformat(x) for x in pair)
            if not a < b:
                raise ValueError("start after end")
            hours.append((a, b))
        except (TypeError, ValueError):
            c.fail(
                f"{key}.hours[{i}]", f'expected ["HH:MM", "HH:MM"] with start < end, got {pair!r}'
            )
    excluded: list[tuple[date, date]] = []
    calendar = None
    raw = table.get("calendar")
    if raw is not None:
        calendar = (file.parent / str(raw)).resolve()
        try:
            with calendar.open(encoding="utf-8", newline="") as fh:
                rows = csv.DictReader(line for line in fh if not line.startswith("#"))
                for row in rows:
                    if row.get("type") in CLOSED_DAYS:
                        excluded.append(
                            (date.fromisoformat(row["debut"]), date.fromisoformat(row["fin"]))
                        )
        except OSError:
            c.fail(f"{key}.calendar", f"calendar file not found: {calendar}")
        except (KeyError, ValueError, TypeError) as exc:
            c.fail(
                f"{key}.calendar",
                f"{calendar}: expected columns type,libelle,debut,fin with ISO dates ({exc})",
            )
    co2 = c.string(table, key, "co2", required=False, default="co2")
    rollup = parse_rollup(c, c.table(table, key, "rollup", required=False), file)
    return IndoorAirConfig(tuple(days), tuple(hours), tuple(excluded), calendar, co2, rollup)


def _carbon(c: _Checker, table: Mapping[str, Any]) -> CarbonConfig | None:
    if not table:
        return None
    key = "carbon"
    c.unknown(
        table,
        key,
        {"building_types", "material_dataset", "material_publisher", "permit_year", "declarations"},
    )
    types = c.table(table, key, "building_types", required=False)
    if not all(isinstance(v, str) for v in types.values()):
        c.fail(f"{key}.building_types", 'expected usage = "RE2020 building type" pairs')
    year = table.get("permit_year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        c.fail(f"{key}.permit_year", f"expected a year, got {year!r}")
        year = None
    declarations = c.string(table, key, "declarations", required=False) or None
    if declarations is not None and not declarations.startswith(("http://", "https://")):
        c.fail(
            f"{key}.declarations",
            f"expected the http(s) base URL of the node holding the product declarations, "
            f"got {declarations!r}",
        )
        declarations = None
    return CarbonConfig(
        building_types={k: str(v) for k, v in types.items()},
        material_dataset=c.string(table, key, "material_dataset", required=False) or None,
        material_publisher=c.string(table, key, "material_publisher", required=False) or None,
        permit_year=year,
        declarations=declarations.rstrip("/") if declarations else None,
    )


def _console(
    c: _Checker, table: Mapping[str, Any], auth: AuthConfig | None
) -> ConsoleConfig | None:
    if not table:
        return None
    c.unknown(table, "console", {"client_id", "session_idle", "session_max", "timezone"})
    client_id = c.string(table, "console", "client_id")
    if auth is None:
        c.fail("console", "the console logs in at the issuer of [auth]; add an [auth] issuer")
    lifetimes = {}
    for key, default in (("session_idle", 900), ("session_max", 8 * 3600)):
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            c.fail(f"console.{key}", f"expected a number of seconds >= 1, got {value!r}")
            value = default
        lifetimes[key] = value
    if lifetimes["session_idle"] > lifetimes["session_max"]:
        c.fail("console.session_idle", "expected at most console.session_max")
    timezone = c.string(table, "console", "timezone", required=False) or "Europe/Paris"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        c.fail(
            "console.timezone", f"expected an IANA time zone such as Europe/Paris, got {timezone!r}"
        )
        timezone = "Europe/Paris"
    if not client_id:
        return None
    return ConsoleConfig(client_id, timezone=timezone, **lifetimes)
