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

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector.computed import COMPUTED
from connector.config._checker import Checker as _Checker
from connector.config._checker import did_you_mean
from connector.config.dsp import DspConfig, parse_dsp
from connector.config.entities import (
    EntityMapping,
)
from connector.config.entities import (
    parse_entities as _entities,
)
from connector.config.footprint import FootprintConfig, parse_footprint
from connector.config.processing import LocalText, Processing, parse_labels, parse_processing
from connector.config.register import RegisterConfig, parse_register
from connector.config.sections import (
    AuthConfig,
    CarbonConfig,
    ConsoleConfig,
    IndoorAirConfig,
    Limits,
    UsageConfig,
    _auth,
    _carbon,
    _console,
    _indoor_air,
    _limits,
    _usage,
)
from connector.config.sources import SourceConfig
from connector.config.sources import parse_references as _references
from connector.config.sources import parse_sources as _sources
from connector.errors import ConfigError, ConfigIssue
from connector.model import ENTITIES


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
    spatial: tuple[str, ...] = ()
    """Areas the dataset covers (``dct:spatial``): IRIs such as
    ``https://w3id.org/guichet/area/commune-17300`` (see ``policies/data/areas.ttl``)."""
    processing: Processing | None = None


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
    limits: Limits = field(default_factory=Limits)
    references: Mapping[str, str] = field(default_factory=dict)
    auth: AuthConfig | None = None
    usage: UsageConfig = field(default_factory=UsageConfig)
    indoor_air: IndoorAirConfig | None = None
    carbon: CarbonConfig | None = None
    labels: Mapping[str, LocalText] = field(default_factory=dict)
    console: ConsoleConfig | None = None
    register: RegisterConfig = field(default_factory=RegisterConfig)
    dsp: DspConfig | None = None
    footprint: FootprintConfig = field(default_factory=FootprintConfig)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def dataset_of(self, entity: str, field_name: str) -> DatasetConfig | None:
        """The dataset a field belongs to (the unit of usage control): the dataset that
        lists it by name, else, for a computed field, the dataset of the field that holds
        it (:data:`connector.computed.COMPUTED`), else the dataset covering every field."""
        wildcard = None
        for ds in self.datasets.values():
            covered = ds.entities.get(entity)
            if covered is not None and field_name in covered:
                return ds
            if covered is not None and "*" in covered and wildcard is None:
                wildcard = ds
        computed = COMPUTED.get((entity, field_name))
        if computed is not None:
            return self.dataset_of(*computed.holder)
        return wildcard


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
            "labels",
            "console",
            "register",
            "dsp",
            "footprint",
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
    if indoor_air is not None and indoor_air.rollup is not None:
        readings = entities.get("Observation")
        held = sources.get(readings.source) if readings is not None else None
        if held is None or held.kind != "sql":
            c.fail("indoor_air.rollup", "a daily rollup needs Observation mapped on an SQL source")
    carbon = _carbon(c, c.table(data, "", "carbon", required=False))
    labels = parse_labels(c, c.table(data, "", "labels", required=False))
    console = _console(c, c.table(data, "", "console", required=False), auth)
    register = parse_register(c, c.table(data, "", "register", required=False))
    auth_issuer = auth.settings.get("issuer") if auth is not None else None
    dsp = parse_dsp(c, c.table(data, "", "dsp", required=False), file, auth_issuer)
    footprint = parse_footprint(c, c.table(data, "", "footprint", required=False))
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
        labels=labels,
        console=console,
        register=register,
        dsp=dsp,
        footprint=footprint,
        raw=data,
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
                "spatial",
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
                c.fail(
                    ekey,
                    f"entity {ent!r} is not mapped in [entities]" + did_you_mean(ent, entities),
                )
                continue
            if not isinstance(flds, list) or not all(isinstance(f, str) for f in flds):
                c.fail(ekey, 'expected a list of field names or ["*"]')
                continue
            for f in flds:
                if f != "*" and f not in ENTITIES[ent].field_names and (ent, f) not in COMPUTED:
                    c.fail(
                        ekey,
                        f"{ent} has no field {f!r}"
                        + did_you_mean(
                            f, [*ENTITIES[ent].field_names, *(n for e, n in COMPUTED if e == ent)]
                        ),
                    )
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
        spatial = spec.get("spatial", [])
        if not isinstance(spatial, list) or not all(
            isinstance(a, str) and a.startswith(("http://", "https://", "urn:")) for a in spatial
        ):
            c.fail(f"{key}.spatial", f"expected a list of area IRIs, got {spatial!r}")
            spatial = []
        processing = None
        if "processing" in spec:
            processing = parse_processing(c, f"{key}.processing", spec["processing"])
        elif personal:
            c.fail(
                f"{key}.processing",
                "missing: a dataset holding personal data needs its record of processing "
                "(controller, purposes, legal_basis, data_categories, data_subjects, "
                "recipients, retention, transfers, security_measures)",
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
            spatial=tuple(spatial),
            processing=processing,
        )
    _check_coverage(c, entities, out)
    return out


def _check_coverage(
    c: _Checker, entities: Mapping[str, EntityMapping], datasets: Mapping[str, DatasetConfig]
) -> None:
    """Every mapped field belongs to exactly one dataset: no field escapes usage control.
    A computed field belongs to the one dataset listing it by name, if any."""
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
    for ent, name in COMPUTED:
        owners = [d.id for d in datasets.values() if name in d.entities.get(ent, ())]
        if len(owners) > 1:
            c.fail(
                f"datasets.{owners[1]}.entities.{ent}",
                f"the computed field {ent}.{name} is in several datasets "
                f"({', '.join(owners)}); expected at most one",
            )
