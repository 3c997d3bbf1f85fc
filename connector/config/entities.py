"""The ``[entities.*]`` part of a node configuration: how each entity type and field is
read from the partner's data (columns, value maps, units converted to the field's
canonical unit, time zones of naive timestamps)."""

from __future__ import annotations

import csv
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.config._checker import Checker as _Checker
from connector.config._checker import did_you_mean
from connector.model import ENTITIES

UNITS_FILE = Path(__file__).resolve().parents[2] / "ontology" / "units.csv"


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
class Partition:
    """The instances of an entity type this node holds, when several nodes hold disjoint
    instances of it: a box of up to three dimensions, the communes (values of the entity's
    ``inseeCode``), the usages (values of its ``usage``, in our codes) and the key prefixes
    of its rows. A row is held here when it is inside every dimension declared; a dimension
    left out means any value. The gateway routes and fans out by it; the node trusts it."""

    communes: tuple[str, ...] = ()
    key_prefixes: tuple[str, ...] = ()
    usages: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityMapping:
    entity: str
    source: str
    table: str
    fields: Mapping[str, FieldMapping]
    where: Mapping[str, tuple[object, ...]] = field(default_factory=dict)
    partition: Partition | None = None
    lookups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """``{reference field: fields}``: these fields of a row are those of the entity the
    reference points to (an observation's room and quantity are its sensor's), so a
    filter on them is resolved to that entity's keys through its own table, where the
    partner's index on the reference column can be used (see ``_sqlplan``)."""


def _unit_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def load_units(path: Path = UNITS_FILE) -> dict[str, tuple[str, float, float]]:
    """QUDT units known to the converter: ``{curie: (quantity kind, multiplier, offset)}``
    where ``SI value = value * multiplier + offset``."""
    return {
        r["unit"]: (r["quantity_kind"], float(r["multiplier"]), float(r["offset"]))
        for r in _unit_rows(path)
    }


def load_unit_decimals(path: Path = UNITS_FILE) -> dict[str, int]:
    """``{curie: decimals}``: the digits after the decimal point a number in each unit is
    given with (the ``decimals`` column); :class:`ValueError` naming the file, the unit and
    the value when one is not a whole number from 0 to 12."""
    out: dict[str, int] = {}
    for r in _unit_rows(path):
        raw = r.get("decimals") or ""
        if not raw.isdigit() or int(raw) > 12:
            raise ValueError(
                f"{path}: unit {r['unit']}: decimals must be a whole number from 0 to 12, "
                f"got {raw!r}"
            )
        out[r["unit"]] = int(raw)
    return out


def parse_entities(
    c: _Checker, table: Mapping[str, Any], sources: Collection[str]
) -> dict[str, EntityMapping]:
    units = load_units()
    out: dict[str, EntityMapping] = {}
    for name, spec in table.items():
        key = f"entities.{name}"
        if name not in ENTITIES:
            c.fail(
                key,
                f"unknown entity type, expected one of {', '.join(ENTITIES)}"
                + did_you_mean(name, ENTITIES),
            )
            continue
        if not isinstance(spec, dict):
            c.fail(key, "expected a table")
            continue
        c.unknown(spec, key, {"source", "table", "fields", "where", "partition", "lookups"})
        source = c.string(spec, key, "source")
        if source and source not in sources:
            c.fail(
                f"{key}.source",
                f"no source named {source!r}; declared: {', '.join(sources) or 'none'}"
                + did_you_mean(source, sources),
            )
        tbl = c.string(spec, key, "table")
        entity = ENTITIES[name]
        fields: dict[str, FieldMapping] = {}
        for fname, fspec in c.table(spec, key, "fields").items():
            fkey = f"{key}.fields.{fname}"
            if fname not in entity.field_names:
                c.fail(
                    fkey,
                    f"{name} has no field {fname!r}; fields: {', '.join(entity.field_names)}"
                    + did_you_mean(fname, entity.field_names),
                )
                continue
            fm = parse_field(c, fkey, fname, fspec, entity.field(fname).unit, units)
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
        partition = (
            parse_partition(c, f"{key}.partition", spec["partition"], name, fields)
            if "partition" in spec
            else None
        )
        lookups = parse_lookups(c, f"{key}.lookups", spec.get("lookups", {}), name, fields)
        out[name] = EntityMapping(name, source, tbl, fields, where, partition, lookups)
    for name, mapping in out.items():
        check_lookups(c, name, mapping, out)
    return out


def parse_lookups(
    c: _Checker, key: str, spec: object, entity: str, fields: Mapping[str, FieldMapping]
) -> dict[str, tuple[str, ...]]:
    """``lookups = { sensorId = ["spaceId", "observedProperty"] }``."""
    if not isinstance(spec, dict):
        c.fail(key, f"expected a table {{ reference field = [fields] }}, got {spec!r}")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for ref_field, names in spec.items():
        rkey = f"{key}.{ref_field}"
        target = ENTITIES[entity].field(ref_field).ref if ref_field in fields else None
        if target is None:
            c.fail(rkey, f"expected a mapped reference field of {entity} (such as sensorId)")
            continue
        listed = _strings(c, rkey, names, "a field name")
        for i, n in enumerate(listed):
            if n not in fields or n == ref_field:
                c.fail(f"{rkey}[{i}]", f"expected another mapped field of {entity}, got {n!r}")
        out[ref_field] = listed
    return out


def check_lookups(
    c: _Checker, name: str, mapping: EntityMapping, all_: Mapping[str, EntityMapping]
) -> None:
    """A lookup reads the referenced entity from the same source, which maps the fields."""
    for ref_field, names in mapping.lookups.items():
        target = ENTITIES[name].field(ref_field).ref
        other = all_.get(target or "")
        key = f"entities.{name}.lookups.{ref_field}"
        if other is None or other.source != mapping.source:
            c.fail(key, f"{target} must be mapped on the same source ({mapping.source!r})")
            continue
        missing = [n for n in names if n in mapping.fields and n not in other.fields]
        if missing:
            c.fail(key, f"{target} does not map {', '.join(missing)}")


COMMUNE_FIELD = "inseeCode"
USAGE_FIELD = "usage"
DIMENSIONS = ("communes", "usages", "key_prefixes")
COMMUNE_LENGTH = 5  # an INSEE commune code: 5 characters (17300, 2A004)


def _strings(c: _Checker, key: str, value: object, what: str) -> tuple[str, ...]:
    """A non-empty list of distinct non-empty strings (``what``: singular)."""
    if not isinstance(value, list) or not value:
        c.fail(key, f"expected a non-empty list, each {what}, got {value!r}")
        return ()
    out: list[str] = []
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v.strip():
            c.fail(f"{key}[{i}]", f"expected {what} (a non-empty string), got {v!r}")
        elif v in out:
            c.fail(f"{key}[{i}]", f"{v!r} is listed twice")
        else:
            out.append(v)
    return tuple(out)


def parse_partition(
    c: _Checker, key: str, spec: object, entity: str, fields: Mapping[str, FieldMapping]
) -> Partition | None:
    """``partition = { communes = ["17200"], usages = ["school"], key_prefixes = ["..."] }``."""
    if not isinstance(spec, dict):
        c.fail(
            key,
            "expected a table { communes = [...], usages = [...], key_prefixes = [...] }, "
            f"got {spec!r}",
        )
        return None
    c.unknown(spec, key, set(DIMENSIONS))
    if not any(d in spec for d in DIMENSIONS):
        c.fail(key, "names no instance: give communes, usages and/or key_prefixes")
        return None
    communes: tuple[str, ...] = ()
    if "communes" in spec:
        communes = _strings(c, f"{key}.communes", spec["communes"], "an INSEE commune code")
        for i, code in enumerate(communes):
            if len(code) != COMMUNE_LENGTH or not code.isalnum():
                c.fail(
                    f"{key}.communes[{i}]",
                    f"expected an INSEE commune code of {COMMUNE_LENGTH} characters, got {code!r}",
                )
        if COMMUNE_FIELD not in ENTITIES[entity].field_names:
            c.fail(
                f"{key}.communes",
                f"{entity} has no field {COMMUNE_FIELD!r}: partition it by key_prefixes",
            )
        elif COMMUNE_FIELD not in fields:
            c.fail(
                f"{key}.communes",
                f"a partition by commune needs {entity}.{COMMUNE_FIELD} mapped "
                f"(entities.{entity}.fields.{COMMUNE_FIELD})",
            )
    usages: tuple[str, ...] = ()
    if "usages" in spec:
        usages = _usages(c, f"{key}.usages", spec["usages"], entity, fields)
    prefixes: tuple[str, ...] = ()
    if "key_prefixes" in spec:
        prefixes = _strings(c, f"{key}.key_prefixes", spec["key_prefixes"], "a key prefix")
    return Partition(communes=communes, key_prefixes=prefixes, usages=usages)


def _usages(
    c: _Checker, key: str, spec: object, entity: str, fields: Mapping[str, FieldMapping]
) -> tuple[str, ...]:
    """Usages in our codes: with a ``values`` table on the usage field, each must be one of
    the codes it maps to (a partner's own code here is a common slip)."""
    usages = _strings(c, key, spec, "a usage code")
    if USAGE_FIELD not in ENTITIES[entity].field_names:
        c.fail(key, f"{entity} has no field {USAGE_FIELD!r}: partition it otherwise")
        return usages
    mapping = fields.get(USAGE_FIELD)
    if mapping is None:
        c.fail(
            key,
            f"a partition by usage needs {entity}.{USAGE_FIELD} mapped "
            f"(entities.{entity}.fields.{USAGE_FIELD})",
        )
    elif mapping.values:
        ours = sorted(set(mapping.values.values()))
        for i, u in enumerate(usages):
            if u not in ours:
                c.fail(
                    f"{key}[{i}]",
                    f"expected one of the usage codes entities.{entity}.fields.{USAGE_FIELD}"
                    f".values maps to ({', '.join(ours)}), got {u!r}",
                )
    return usages


def parse_field(
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
