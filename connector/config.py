"""Node configuration: one TOML file per node.

Example (see ``connector/demo/atmo.toml`` for a whole one)::

    [node]
    name = "atmo"
    title = "Atmo Nouvelle-Aquitaine"
    participant = "https://guichet.example/participants/atmo"
    base_iri = "http://127.0.0.1:8102"

    [sources.plateforme]
    kind = "sql"                                  # sql | csv | http
    url = "sqlite+aiosqlite:///atmo.db"           # relative paths: from this file's folder

    [entities.Observation]
    source = "plateforme"
    table = "mesures"                             # table, CSV file or API path
    where = { polluant = ["CO2", "TEMP", "HR"] }  # fixed filter on source columns
    [entities.Observation.fields]
    id = "id_mesure"                              # field = column
    resultTime = { column = "horodatage", timezone = "Europe/Paris" }
    value = "valeur"
    observedProperty = { column = "polluant", values = { CO2 = "co2" } }
    # other options: columns = [..] + separator (concatenation), unit = "unit:MegaW-HR"
    # (converted to the field's canonical unit), scale / offset (canonical = v*scale+offset)

    [datasets.mesures-salles]
    title = "Mesures de CO2 dans les salles de classe"
    entities = { Observation = ["*"], Sensor = ["*"] }
    policy = "../policies/atmo-raw.jsonld"
    personal_data = false

:func:`load_config` returns a frozen :class:`NodeConfig` or raises
:class:`~connector.errors.ConfigError` carrying *every* issue found, each naming the
file, the key and what was expected.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.errors import ConfigError, ConfigIssue
from connector.model import ENTITIES

SourceKind = Literal["sql", "csv", "http"]
SOURCE_KINDS: tuple[str, ...] = ("sql", "csv", "http")
UNITS_FILE = Path(__file__).resolve().parent.parent / "ontology" / "units.csv"


@dataclass(frozen=True)
class FieldMapping:
    """How one entity field is read from the partner's data."""

    field: str
    columns: tuple[str, ...]
    separator: str = "/"
    scale: float = 1.0
    offset: float = 0.0
    values: Mapping[str, str] | None = None
    timezone: str | None = None

    @property
    def column(self) -> str:
        return self.columns[0]

    @property
    def converts(self) -> bool:
        return self.scale != 1.0 or self.offset != 0.0


@dataclass(frozen=True)
class EntityMapping:
    entity: str
    source: str
    table: str
    fields: Mapping[str, FieldMapping]
    where: Mapping[str, tuple[object, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: SourceKind
    url: str | None = None
    path: Path | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetConfig:
    """A ``dcat:Dataset``: the unit of usage control. ``iri`` is the target its ODRL policy
    names (default ``{base_iri}/catalog/{id}``)."""

    id: str
    iri: str
    title: str
    description: str
    publisher: str
    entities: Mapping[str, tuple[str, ...]]
    policy: Path | None
    personal_data: bool
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    processing: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    max_page_size: int = 500
    default_page_size: int = 50
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000


@dataclass(frozen=True)
class AuthConfig:
    """``[auth]``: the OAuth 2.0 issuer whose tokens the node accepts. The keys are those of
    :class:`connector.identity.VerifierSettings` (``issuer``, ``audience``, ``jwks_url``,
    ``roles_claim``, ``purpose_claim``...); ``audience`` defaults to the node's base IRI."""

    settings: Mapping[str, Any]


@dataclass(frozen=True)
class UsageConfig:
    """``[usage]``: usage control. ``enforce = false`` serves data without policies (for
    benchmarks and private test nodes only); ``memberships`` gives the ``odrl:partOf`` facts
    (party IRI = [collection IRIs]) the node knows about its callers."""

    enforce: bool = True
    audit_db: str = ""
    pseudonym_key_file: Path | None = None
    memberships: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dpd_role: str = "dpd"


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


@dataclass(frozen=True)
class CarbonConfig:
    """``[carbon]``: the node computes buildings' carbon (RE2020 ``Ic_construction`` from a
    bill of quantities it ``@requires`` from the node that holds it, and operational
    emissions from its own energy use). ``building_types`` maps our usage values to the
    building types of the RE2020 thresholds; ``material_dataset`` and
    ``material_publisher`` name where the required bill comes from (for provenance)."""

    building_types: Mapping[str, str] = field(default_factory=dict)
    material_dataset: str | None = None
    material_publisher: str | None = None
    permit_year: int | None = None


@dataclass(frozen=True)
class NodeConfig:
    file: Path
    name: str
    title: str
    participant: str
    base_iri: str
    host: str
    port: int
    sources: Mapping[str, SourceConfig]
    entities: Mapping[str, EntityMapping]
    datasets: Mapping[str, DatasetConfig]
    limits: Limits = Limits()
    references: Mapping[str, str] = field(default_factory=dict)
    auth: AuthConfig | None = None
    usage: UsageConfig = UsageConfig()
    indoor_air: IndoorAirConfig | None = None
    carbon: CarbonConfig | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def dataset_of(self, entity: str, field_name: str) -> DatasetConfig | None:
        """The dataset a field belongs to (the unit of usage control)."""
        for ds in self.datasets.values():
            covered = ds.entities.get(entity)
            if covered is not None and ("*" in covered or field_name in covered):
                return ds
        return None


def load_units(path: Path = UNITS_FILE) -> dict[str, tuple[str, float, float]]:
    """QUDT units known to the converter: ``{curie: (quantity kind, multiplier, offset)}``
    where ``SI value = value * multiplier + offset``."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return {
        r["unit"]: (r["quantity_kind"], float(r["multiplier"]), float(r["offset"])) for r in rows
    }


class _Checker:
    """Collects issues while reading a TOML document."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.issues: list[ConfigIssue] = []

    def fail(self, key: str, message: str) -> None:
        self.issues.append(ConfigIssue(str(self.file), key, message))

    def table(
        self, data: Mapping[str, Any], key: str, name: str, *, required: bool = True
    ) -> Mapping[str, Any]:
        value = data.get(name)
        where = f"{key}.{name}" if key else name
        if value is None:
            if required:
                self.fail(where, "missing table, expected [" + where + "]")
            return {}
        if not isinstance(value, dict):
            self.fail(where, f"expected a table, got {type(value).__name__}")
            return {}
        return value

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        *,
        required: bool = True,
        default: str = "",
    ) -> str:
        value = data.get(name)
        where = f"{key}.{name}" if key else name
        if value is None:
            if required:
                self.fail(where, "missing, expected a string")
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"expected a non-empty string, got {value!r}")
            return default
        return value

    def unknown(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> None:
        for name in data:
            if name not in allowed:
                self.fail(
                    f"{key}.{name}" if key else name,
                    f"unknown key, expected one of {', '.join(sorted(allowed))}",
                )


def load_config(path: str | Path) -> NodeConfig:
    """Read and validate a node configuration file."""
    file = Path(path).resolve()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError([ConfigIssue(str(file), "-", "file not found")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigIssue(str(file), "-", f"not valid TOML: {exc}")]) from exc
    return parse_config(data, file)


def parse_config(data: Mapping[str, Any], file: Path) -> NodeConfig:
    c = _Checker(file)
    c.unknown(
        data,
        "",
        {
            "node",
            "sources",
            "entities",
            "datasets",
            "limits",
            "auth",
            "usage",
            "indoor_air",
            "carbon",
        },
    )
    node = c.table(data, "", "node")
    c.unknown(
        node, "node", {"name", "title", "participant", "base_iri", "host", "port", "references"}
    )
    name = c.string(node, "node", "name", default="node")
    title = c.string(node, "node", "title", required=False, default=name)
    participant = c.string(node, "node", "participant")
    if participant and not participant.startswith(("http://", "https://", "urn:")):
        c.fail("node.participant", f"expected an absolute IRI, got {participant!r}")
    host = c.string(node, "node", "host", required=False, default="127.0.0.1")
    port = node.get("port", 8000)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        c.fail("node.port", f"expected an integer port 0-65535, got {port!r}")
        port = 8000
    base_iri = c.string(
        node, "node", "base_iri", required=False, default=f"http://{host}:{port}"
    ).rstrip("/")
    if not base_iri.startswith(("http://", "https://")):
        c.fail("node.base_iri", f"expected an http(s) IRI, got {base_iri!r}")

    references = _references(c, c.table(node, "node", "references", required=False))
    sources = _sources(c, c.table(data, "", "sources"), file)
    entities = _entities(c, c.table(data, "", "entities"), sources)
    datasets = _datasets(c, c.table(data, "", "datasets"), entities, participant, base_iri, file)
    limits = _limits(c, c.table(data, "", "limits", required=False))
    auth = _auth(c, c.table(data, "", "auth", required=False), base_iri)
    usage = _usage(c, c.table(data, "", "usage", required=False), file, name)
    indoor_air = _indoor_air(c, c.table(data, "", "indoor_air", required=False), file)
    carbon = _carbon(c, c.table(data, "", "carbon", required=False))
    if c.issues:
        raise ConfigError(c.issues)
    return NodeConfig(
        file=file,
        name=name,
        title=title,
        participant=participant,
        base_iri=base_iri,
        host=host,
        port=port,
        sources=sources,
        entities=entities,
        datasets=datasets,
        limits=limits,
        references=references,
        auth=auth,
        usage=usage,
        indoor_air=indoor_air,
        carbon=carbon,
        raw=data,
    )


def _references(c: _Checker, table: Mapping[str, Any]) -> dict[str, str]:
    """``[node.references] Building = "https://cda.example"``: base IRI of the node that
    owns the entities of a type this node only refers to."""
    out: dict[str, str] = {}
    for name, base in table.items():
        key = f"node.references.{name}"
        if name not in ENTITIES:
            c.fail(key, f"unknown entity type, expected one of {', '.join(ENTITIES)}")
        elif not isinstance(base, str) or not base.startswith(("http://", "https://")):
            c.fail(key, f"expected the http(s) base IRI of the owning node, got {base!r}")
        else:
            out[name] = base.rstrip("/")
    return out


def _sources(c: _Checker, table: Mapping[str, Any], file: Path) -> dict[str, SourceConfig]:
    out: dict[str, SourceConfig] = {}
    for name, spec in table.items():
        key = f"sources.{name}"
        if not isinstance(spec, dict):
            c.fail(key, "expected a table")
            continue
        kind = spec.get("kind")
        if kind not in SOURCE_KINDS:
            c.fail(f"{key}.kind", f"expected one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
            continue
        options = {k: v for k, v in spec.items() if k not in {"kind", "url", "path"}}
        if kind == "csv":
            raw = c.string(spec, key, "path")
            path = (file.parent / raw).resolve() if raw else None
            out[name] = SourceConfig(name, "csv", path=path, options=options)
            continue
        url = c.string(spec, key, "url")
        if kind == "sql" and url:
            url = _resolve_sqlite(url, file)
            if "+" not in url.split(":", 1)[0]:
                c.fail(
                    f"{key}.url",
                    "expected an async SQLAlchemy URL such as "
                    f"'sqlite+aiosqlite:///file.db' or 'postgresql+asyncpg://...', got {url!r}",
                )
        if kind == "http" and url and not url.startswith(("http://", "https://")):
            c.fail(f"{key}.url", f"expected an http(s) URL, got {url!r}")
        out[name] = SourceConfig(name, kind, url=url, options=options)
    return out


def _resolve_sqlite(url: str, file: Path) -> str:
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


def _entities(
    c: _Checker, table: Mapping[str, Any], sources: Mapping[str, SourceConfig]
) -> dict[str, EntityMapping]:
    units = load_units()
    out: dict[str, EntityMapping] = {}
    for name, spec in table.items():
        key = f"entities.{name}"
        if name not in ENTITIES:
            c.fail(key, f"unknown entity type, expected one of {', '.join(ENTITIES)}")
            continue
        if not isinstance(spec, dict):
            c.fail(key, "expected a table")
            continue
        c.unknown(spec, key, {"source", "table", "fields", "where"})
        source = c.string(spec, key, "source")
        if source and source not in sources:
            c.fail(
                f"{key}.source",
                f"no source named {source!r}; declared: {', '.join(sources) or 'none'}",
            )
        tbl = c.string(spec, key, "table")
        entity = ENTITIES[name]
        fields: dict[str, FieldMapping] = {}
        for fname, fspec in c.table(spec, key, "fields").items():
            fkey = f"{key}.fields.{fname}"
            if fname not in entity.field_names:
                c.fail(
                    fkey, f"{name} has no field {fname!r}; fields: {', '.join(entity.field_names)}"
                )
                continue
            fm = _field(c, fkey, fname, fspec, entity.field(fname).unit, units)
            if fm is not None:
                fields[fname] = fm
        if entity.key not in fields and "fields" in spec:
            c.fail(
                f"{key}.fields.{entity.key}",
                f"the key field {entity.key!r} of {name} must be mapped",
            )
        where_spec = spec.get("where", {})
        where: dict[str, tuple[object, ...]] = {}
        if not isinstance(where_spec, dict):
            c.fail(f"{key}.where", "expected a table of column = value or [values]")
        else:
            for col, val in where_spec.items():
                where[col] = tuple(val) if isinstance(val, list) else (val,)
        out[name] = EntityMapping(name, source, tbl, fields, where)
    return out


def _field(
    c: _Checker,
    key: str,
    name: str,
    spec: object,
    canonical: str | None,
    units: Mapping[str, tuple[str, float, float]],
) -> FieldMapping | None:
    if isinstance(spec, str):
        return FieldMapping(name, (spec,))
    if not isinstance(spec, dict):
        c.fail(key, f"expected a column name or a table, got {spec!r}")
        return None
    c.unknown(
        spec,
        key,
        {"column", "columns", "separator", "unit", "scale", "offset", "values", "timezone"},
    )
    if "column" in spec and isinstance(spec["column"], str):
        columns: tuple[str, ...] = (spec["column"],)
    elif (
        isinstance(spec.get("columns"), list)
        and spec["columns"]
        and all(isinstance(x, str) for x in spec["columns"])
    ):
        columns = tuple(spec["columns"])
    else:
        c.fail(key, "expected 'column' (a string) or 'columns' (a list of strings)")
        return None
    scale, offset = 1.0, 0.0
    for opt in ("scale", "offset"):
        if opt in spec and (not isinstance(spec[opt], int | float) or isinstance(spec[opt], bool)):
            c.fail(f"{key}.{opt}", f"expected a number, got {spec[opt]!r}")
    if isinstance(spec.get("scale"), int | float):
        scale = float(spec["scale"])
    if isinstance(spec.get("offset"), int | float):
        offset = float(spec["offset"])
    if "unit" in spec:
        unit = spec["unit"]
        if canonical is None:
            c.fail(f"{key}.unit", f"field {name!r} is not a quantity with a unit")
        elif unit not in units:
            c.fail(f"{key}.unit", f"unknown unit {unit!r}; known: {', '.join(sorted(units))}")
        elif units[unit][0] != units[canonical][0]:
            c.fail(
                f"{key}.unit",
                f"{unit} measures {units[unit][0]}, but {name!r} is in "
                f"{canonical} ({units[canonical][0]})",
            )
        else:
            _, m_src, o_src = units[unit]
            _, m_dst, o_dst = units[canonical]
            scale, offset = m_src / m_dst, (o_src - o_dst) / m_dst
    values = spec.get("values")
    if values is not None and not (
        isinstance(values, dict) and all(isinstance(v, str) for v in values.values())
    ):
        c.fail(f"{key}.values", "expected a table of source value = canonical string")
        values = None
    tz = spec.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            c.fail(f"{key}.timezone", f"unknown IANA time zone {tz!r}")
            tz = None
    sep = spec.get("separator", "/")
    return FieldMapping(
        name, columns, str(sep), scale, offset, dict(values) if values else None, tz
    )


def _datasets(
    c: _Checker,
    table: Mapping[str, Any],
    entities: Mapping[str, EntityMapping],
    participant: str,
    base_iri: str,
    file: Path,
) -> dict[str, DatasetConfig]:
    out: dict[str, DatasetConfig] = {}
    for ds_id, spec in table.items():
        key = f"datasets.{ds_id}"
        if not isinstance(spec, dict):
            c.fail(key, "expected a table")
            continue
        c.unknown(
            spec,
            key,
            {
                "iri",
                "title",
                "description",
                "publisher",
                "entities",
                "policy",
                "personal_data",
                "keywords",
                "themes",
                "processing",
            },
        )
        iri = c.string(spec, key, "iri", required=False, default=f"{base_iri}/catalog/{ds_id}")
        if not iri.startswith(("http://", "https://", "urn:")):
            c.fail(f"{key}.iri", f"expected an absolute IRI, got {iri!r}")
        covered: dict[str, tuple[str, ...]] = {}
        for ent, flds in c.table(spec, key, "entities").items():
            ekey = f"{key}.entities.{ent}"
            if ent not in entities:
                c.fail(ekey, f"entity {ent!r} is not mapped in [entities]")
                continue
            if not isinstance(flds, list) or not all(isinstance(f, str) for f in flds):
                c.fail(ekey, 'expected a list of field names or ["*"]')
                continue
            for f in flds:
                if f != "*" and f not in ENTITIES[ent].field_names:
                    c.fail(ekey, f"{ent} has no field {f!r}")
            covered[ent] = tuple(flds)
        policy_raw = spec.get("policy")
        policy: Path | None = None
        if policy_raw is not None:
            if not isinstance(policy_raw, str):
                c.fail(f"{key}.policy", "expected a path to a policy document")
            else:
                policy = (file.parent / policy_raw).resolve()
                if not policy.is_file():
                    c.fail(f"{key}.policy", f"policy file not found: {policy}")
        personal = spec.get("personal_data", False)
        if not isinstance(personal, bool):
            c.fail(f"{key}.personal_data", f"expected true or false, got {personal!r}")
            personal = True
        processing = spec.get("processing", {})
        if personal and not processing:
            c.fail(
                f"{key}.processing",
                "a dataset holding personal data needs its processing "
                "record (purposes, categories, recipients, retention, legal_basis)",
            )
        out[ds_id] = DatasetConfig(
            id=ds_id,
            iri=iri,
            title=c.string(spec, key, "title"),
            description=c.string(spec, key, "description", required=False),
            publisher=c.string(spec, key, "publisher", required=False, default=participant),
            entities=covered,
            policy=policy,
            personal_data=personal,
            keywords=tuple(spec.get("keywords", ())),
            themes=tuple(spec.get("themes", ())),
            processing=processing if isinstance(processing, dict) else {},
        )
    _check_coverage(c, entities, out)
    return out


def _check_coverage(
    c: _Checker, entities: Mapping[str, EntityMapping], datasets: Mapping[str, DatasetConfig]
) -> None:
    """Every mapped field belongs to exactly one dataset: no field escapes usage control."""
    for ent, mapping in entities.items():
        for fname in mapping.fields:
            owners = [
                d.id
                for d in datasets.values()
                if ent in d.entities and ("*" in d.entities[ent] or fname in d.entities[ent])
            ]
            if not owners:
                c.fail(
                    f"entities.{ent}.fields.{fname}",
                    "field is in no dataset; add it to a [datasets.*] entities list",
                )
            elif len(owners) > 1:
                c.fail(
                    f"entities.{ent}.fields.{fname}",
                    f"field is in several datasets ({', '.join(owners)}); expected exactly one",
                )


def _limits(c: _Checker, table: Mapping[str, Any]) -> Limits:
    defaults = Limits()
    values: dict[str, int] = {}
    c.unknown(table, "limits", set(defaults.__dataclass_fields__))
    for name in defaults.__dataclass_fields__:
        if name in table:
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
        table, "usage", {"enforce", "audit_db", "pseudonym_key_file", "memberships", "dpd_role"}
    )
    enforce = table.get("enforce", True)
    if not isinstance(enforce, bool):
        c.fail("usage.enforce", f"expected true or false, got {enforce!r}")
        enforce = True
    audit_db = c.string(
        table, "usage", "audit_db", required=False, default=f"sqlite+aiosqlite:///{name}-audit.db"
    )
    audit_db = _resolve_sqlite(audit_db, file)
    key_raw = c.string(
        table, "usage", "pseudonym_key_file", required=False, default=f"{name}-pseudonym.key"
    )
    memberships: dict[str, tuple[str, ...]] = {}
    for party, groups in c.table(table, "usage", "memberships", required=False).items():
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            c.fail(f"usage.memberships.{party}", "expected a list of collection IRIs")
            continue
        memberships[party] = tuple(groups)
    return UsageConfig(
        enforce=enforce,
        audit_db=audit_db,
        pseudonym_key_file=(file.parent / key_raw).resolve(),
        memberships=memberships,
        dpd_role=c.string(table, "usage", "dpd_role", required=False, default="dpd"),
    )


CLOSED_DAYS = ("vacances", "pont", "ferie")


def _indoor_air(c: _Checker, table: Mapping[str, Any], file: Path) -> IndoorAirConfig | None:
    if not table:
        return None
    key = "indoor_air"
    c.unknown(table, key, {"weekdays", "hours", "calendar", "co2"})
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
    return IndoorAirConfig(tuple(days), tuple(hours), tuple(excluded), calendar, co2)


def _carbon(c: _Checker, table: Mapping[str, Any]) -> CarbonConfig | None:
    if not table:
        return None
    key = "carbon"
    c.unknown(
        table, key, {"building_types", "material_dataset", "material_publisher", "permit_year"}
    )
    types = c.table(table, key, "building_types", required=False)
    if not all(isinstance(v, str) for v in types.values()):
        c.fail(f"{key}.building_types", 'expected usage = "RE2020 building type" pairs')
    year = table.get("permit_year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        c.fail(f"{key}.permit_year", f"expected a year, got {year!r}")
        year = None
    return CarbonConfig(
        building_types={k: str(v) for k, v in types.items()},
        material_dataset=c.string(table, key, "material_dataset", required=False) or None,
        material_publisher=c.string(table, key, "material_publisher", required=False) or None,
        permit_year=year,
    )
