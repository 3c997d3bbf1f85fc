"""Policies in plain words: the expected sentences below are the spec, written by hand as a
data-protection officer would want to read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies import (
    Action,
    Asset,
    Constraint,
    Iri,
    Lit,
    LogicalConstraint,
    Party,
    Policy,
    Rule,
    Sentence,
    explain,
    explain_text,
    parse_policies,
)
from policies.explain import Lang, concept_label, duration_text
from policies.vocab import AREA, DPV, GP, ODRL, XSD

DEMO = Path(__file__).parents[2] / "policies" / "demo"
P = "https://guichet.agglo-larochelle.fr/participants/"
D = "https://guichet.agglo-larochelle.fr/datasets/"
POL = "https://guichet.agglo-larochelle.fr/policies/"

LABELS_FR = {
    P + "atmo": "Atmo Nouvelle-Aquitaine",
    P + "univ-lr/chercheurs": "les chercheurs de l'Université de La Rochelle",
    P + "ecole-saint-christophe/personnel": "le personnel de l'école Saint-Christophe",
    P + "cda": "la Communauté d'agglomération de La Rochelle",
    P + "bouygues": "Bouygues Bâtiment Centre Sud-Ouest",
    D + "atmo/mesures-salles": "les mesures de CO2 des salles de classe",
    D + "atmo/capteurs-salles": "Salles équipées et capteurs",
    D + "bouygues/metres": "les métrés par lot RE2020",
    D + "bouygues/operations": "les opérations de construction",
    D + "bouygues/bilans-carbone-operations": "les bilans carbone des opérations",
    D + "cda/consommations-energie": "Consommations d'énergie des bâtiments",
    D + "cda/bilans-carbone": "les bilans carbone des bâtiments",
    D + "cda/declarations-environnementales": "les déclarations environnementales de produits",
    D + "cda/facteurs-emission": "Facteurs d'émission DPE 2021",
    D + "cda/registre-batiments": "le registre des bâtiments de l'agglomération",
    P + "lagord": "la commune de Lagord",
    P + "bailleur": "Atlantique Habitat",
    D + "lagord/patrimoine-communal": "le patrimoine bâti communal de Lagord",
    D + "lagord/consommations-equipements": "les consommations des bâtiments communaux de Lagord",
    D + "bailleur/patrimoine-logement-social": "les résidences du bailleur",
}
LABELS_EN = {
    P + "atmo": "Atmo Nouvelle-Aquitaine",
    P + "univ-lr/chercheurs": "Researchers of La Rochelle University",
    P + "ecole-saint-christophe/personnel": "the staff of Saint-Christophe school",
    P + "cda": "the La Rochelle urban community",
    P + "bouygues": "Bouygues Bâtiment Centre Sud-Ouest",
    D + "atmo/mesures-salles": "the CO2 measurements in classrooms",
    D + "atmo/capteurs-salles": "Equipped rooms and sensors",
    D + "bouygues/metres": "the RE2020 quantity take-offs",
    D + "bouygues/operations": "the construction projects",
    D + "bouygues/bilans-carbone-operations": "the carbon assessments of the projects",
    D + "cda/consommations-energie": "Energy consumption of buildings",
    D + "cda/bilans-carbone": "the carbon assessments of buildings",
    D + "cda/declarations-environnementales": "the environmental product declarations",
    D + "cda/facteurs-emission": "DPE 2021 emission factors",
    D + "cda/registre-batiments": "the buildings register",
    P + "lagord": "the commune of Lagord",
    P + "bailleur": "Atlantique Habitat",
    D + "lagord/patrimoine-communal": "the municipal buildings of Lagord",
    D + "lagord/consommations-equipements": "the energy use of Lagord's municipal buildings",
    D + "bailleur/patrimoine-logement-social": "the landlord's residences",
}

EXPECTED: dict[str, dict[str, tuple[str, str, str]]] = {
    # file → rule IRI → (kind, French, English)
    "atmo-capteurs-salles": {
        POL + "atmo/capteurs-salles#usage-libre": (
            "permission",
            "Tout le monde peut utiliser le jeu de données « Salles équipées et capteurs », "
            "à condition de citer Atmo Nouvelle-Aquitaine.",
            "Everyone may use the dataset “Equipped rooms and sensors”, "
            "provided they credit Atmo Nouvelle-Aquitaine.",
        ),
    },
    "atmo-mesures-salles": {
        POL + "atmo/mesures-salles#agregats-horaires-recherche": (
            "permission",
            "Les chercheurs de l'Université de La Rochelle peuvent obtenir des agrégats horaires "
            "des mesures de CO2 des salles de classe, pour la recherche académique, "
            "au plus 100 fois par jour, jusqu'au 31 août 2027, "
            "à condition de citer Atmo Nouvelle-Aquitaine.",
            "Researchers of La Rochelle University may obtain hourly aggregates of "
            "the CO2 measurements in classrooms, for academic research, at most 100 times a day, "
            "until 31 August 2027, provided they credit Atmo Nouvelle-Aquitaine.",
        ),
        POL + "atmo/mesures-salles#brutes-atmo": (
            "permission",
            "Atmo Nouvelle-Aquitaine peut utiliser les mesures de CO2 des salles de classe.",
            "Atmo Nouvelle-Aquitaine may use the CO2 measurements in classrooms.",
        ),
        POL + "atmo/mesures-salles#brutes-personnel-ecole": (
            "permission",
            "Le personnel de l'école Saint-Christophe peut utiliser "
            "les mesures de CO2 des salles de classe.",
            "The staff of Saint-Christophe school may use the CO2 measurements in classrooms.",
        ),
        POL + "atmo/mesures-salles#icone-journalier": (
            "permission",
            "Tout le monde peut calculer des résultats journaliers à partir des mesures de CO2 "
            "des salles de classe, à condition de citer Atmo Nouvelle-Aquitaine.",
            "Everyone may derive daily results from the CO2 measurements in classrooms, "
            "provided they credit Atmo Nouvelle-Aquitaine.",
        ),
    },
    "bouygues-metres": {
        POL + "bouygues/metres#calcul-carbone-agglomeration": (
            "permission",
            "La Communauté d'agglomération de La Rochelle peut lire les métrés par lot RE2020, "
            "pour le calcul de l'empreinte carbone, "
            "à condition de citer Bouygues Bâtiment Centre Sud-Ouest.",
            "The La Rochelle urban community may read the RE2020 quantity take-offs, "
            "for carbon accounting, provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/metres#resultats-agglomeration": (
            "permission",
            "La Communauté d'agglomération de La Rochelle peut calculer des résultats à partir "
            "des métrés par lot RE2020, pour le calcul de l'empreinte carbone, à condition de "
            "citer Bouygues Bâtiment Centre Sud-Ouest.",
            "The La Rochelle urban community may derive results from the RE2020 quantity "
            "take-offs, for carbon accounting, provided it credits Bouygues Bâtiment Centre "
            "Sud-Ouest.",
        ),
        POL + "bouygues/metres#resultats-bailleur": (
            "permission",
            "Atlantique Habitat peut calculer des résultats à partir des métrés par lot RE2020, "
            "pour le calcul de l'empreinte carbone, à condition de citer Bouygues Bâtiment Centre"
            " Sud-Ouest.",
            "Atlantique Habitat may derive results from the RE2020 quantity take-offs, for carbon"
            " accounting, provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/metres#usage-bouygues": (
            "permission",
            "Bouygues Bâtiment Centre Sud-Ouest peut utiliser les métrés par lot RE2020.",
            "Bouygues Bâtiment Centre Sud-Ouest may use the RE2020 quantity take-offs.",
        ),
        POL + "bouygues/metres#pas-de-diffusion": (
            "prohibition",
            "La Communauté d'agglomération de La Rochelle ne peut pas diffuser "
            "les métrés par lot RE2020.",
            "The La Rochelle urban community may not distribute the RE2020 quantity take-offs.",
        ),
    },
    "bouygues-operations": {
        POL + "bouygues/operations#lecture-agglomeration": (
            "permission",
            "La Communauté d'agglomération de La Rochelle peut lire les opérations de "
            "construction, pour le calcul de l'empreinte carbone, à condition de citer Bouygues "
            "Bâtiment Centre Sud-Ouest.",
            "The La Rochelle urban community may read the construction projects, for carbon "
            "accounting, provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/operations#calcul-agglomeration": (
            "permission",
            "La Communauté d'agglomération de La Rochelle peut calculer des résultats à partir "
            "des opérations de construction, pour le calcul de l'empreinte carbone, à condition "
            "de citer Bouygues Bâtiment Centre Sud-Ouest.",
            "The La Rochelle urban community may derive results from the construction projects, "
            "for carbon accounting, provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/operations#lecture-bailleur": (
            "permission",
            "Atlantique Habitat peut lire les opérations de construction, pour le calcul de "
            "l'empreinte carbone, à condition de citer Bouygues Bâtiment Centre Sud-Ouest.",
            "Atlantique Habitat may read the construction projects, for carbon accounting, "
            "provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/operations#calcul-bailleur": (
            "permission",
            "Atlantique Habitat peut calculer des résultats à partir des opérations de "
            "construction, pour le calcul de l'empreinte carbone, à condition de citer Bouygues "
            "Bâtiment Centre Sud-Ouest.",
            "Atlantique Habitat may derive results from the construction projects, for carbon "
            "accounting, provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/operations#usage-bouygues": (
            "permission",
            "Bouygues Bâtiment Centre Sud-Ouest peut utiliser les opérations de construction.",
            "Bouygues Bâtiment Centre Sud-Ouest may use the construction projects.",
        ),
    },
    "bouygues-bilans-carbone-operations": {
        POL + "bouygues/bilans-carbone-operations#lecture-agglomeration": (
            "permission",
            "La Communauté d'agglomération de La Rochelle peut lire les bilans carbone des "
            "opérations, pour le calcul de l'empreinte carbone, à condition de citer Bouygues "
            "Bâtiment Centre Sud-Ouest.",
            "The La Rochelle urban community may read the carbon assessments of the projects, for"
            " carbon accounting, provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/bilans-carbone-operations#lecture-bailleur": (
            "permission",
            "Atlantique Habitat peut lire les bilans carbone des opérations, pour le calcul de "
            "l'empreinte carbone, à condition de citer Bouygues Bâtiment Centre Sud-Ouest.",
            "Atlantique Habitat may read the carbon assessments of the projects, for carbon "
            "accounting, provided it credits Bouygues Bâtiment Centre Sud-Ouest.",
        ),
        POL + "bouygues/bilans-carbone-operations#usage-bouygues": (
            "permission",
            "Bouygues Bâtiment Centre Sud-Ouest peut utiliser les bilans carbone des opérations.",
            "Bouygues Bâtiment Centre Sud-Ouest may use the carbon assessments of the projects.",
        ),
    },
    "cda-consommations-energie": {
        POL + "cda/consommations-energie#usage-agglomeration": (
            "permission",
            "La Communauté d'agglomération de La Rochelle peut utiliser le jeu de données "
            "« Consommations d'énergie des bâtiments ».",
            "The La Rochelle urban community may use the dataset "
            "“Energy consumption of buildings”.",
        ),
        POL + "cda/consommations-energie#resultats-calcules": (
            "permission",
            "Tout le monde peut calculer des résultats à partir du jeu de données "
            "« Consommations d'énergie des bâtiments », à condition de citer "
            "la Communauté d'agglomération de La Rochelle.",
            "Everyone may derive results from the dataset “Energy consumption of buildings”, "
            "provided they credit the La Rochelle urban community.",
        ),
    },
    "cda-bilans-carbone": {
        POL + "cda/bilans-carbone#agglomeration": (
            "permission",
            "La Communauté d'agglomération de La Rochelle peut utiliser "
            "les bilans carbone des bâtiments.",
            "The La Rochelle urban community may use the carbon assessments of buildings.",
        ),
    },
    "cda-declarations-environnementales": {
        POL + "cda/declarations-environnementales#usage-libre": (
            "permission",
            "Tout le monde peut utiliser les déclarations environnementales de produits, "
            "à condition de citer la Communauté d'agglomération de La Rochelle.",
            "Everyone may use the environmental product declarations, "
            "provided they credit the La Rochelle urban community.",
        ),
    },
    "cda-facteurs-emission": {
        POL + "cda/facteurs-emission#usage-libre": (
            "permission",
            "Tout le monde peut utiliser le jeu de données « Facteurs d'émission DPE 2021 », "
            "à condition de citer la Communauté d'agglomération de La Rochelle.",
            "Everyone may use the dataset “DPE 2021 emission factors”, "
            "provided they credit the La Rochelle urban community.",
        ),
    },
    "lagord-patrimoine-communal": {
        POL + "lagord/patrimoine-communal#usage-libre": (
            "permission",
            "Tout le monde peut utiliser le patrimoine bâti communal de Lagord, "
            "à condition de citer la commune de Lagord.",
            "Everyone may use the municipal buildings of Lagord, "
            "provided they credit the commune of Lagord.",
        ),
    },
    "lagord-consommations-equipements": {
        POL + "lagord/consommations-equipements#usage-libre": (
            "permission",
            "Tout le monde peut utiliser les consommations des bâtiments communaux de Lagord, "
            "à condition de citer la commune de Lagord.",
            "Everyone may use the energy use of Lagord's municipal buildings, "
            "provided they credit the commune of Lagord.",
        ),
    },
    "bailleur-patrimoine-logement-social": {
        POL + "bailleur/patrimoine-logement-social#usage-libre": (
            "permission",
            "Tout le monde peut utiliser les résidences du bailleur, "
            "à condition de citer Atlantique Habitat.",
            "Everyone may use the landlord's residences, provided they credit Atlantique Habitat.",
        ),
    },
    "cda-registre-batiments": {
        POL + "cda/registre-batiments#usage-libre": (
            "permission",
            "Tout le monde peut utiliser le registre des bâtiments de l'agglomération, "
            "à condition de citer la Communauté d'agglomération de La Rochelle.",
            "Everyone may use the buildings register, "
            "provided they credit the La Rochelle urban community.",
        ),
    },
}


def demo_policy(name: str) -> Policy:
    """The file's Set (a file may hold Offers beside it)."""
    found = parse_policies((DEMO / f"{name}.jsonld").read_text(encoding="utf-8"))
    (policy,) = [p for p in found if p.type == ODRL + "Set"]
    return policy


def test_every_demo_policy_has_expected_sentences() -> None:
    assert sorted(EXPECTED) == sorted(p.stem for p in DEMO.glob("*.jsonld"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_demo_policy_in_words(name: str, lang: Lang) -> None:
    labels = LABELS_FR if lang == "fr" else LABELS_EN
    got = {s.rule: (s.kind, s.text) for s in explain(demo_policy(name), lang=lang, labels=labels)}
    column = 1 if lang == "fr" else 2
    assert got == {rule: (row[0], row[column]) for rule, row in EXPECTED[name].items()}


def test_issue_example_reads_as_the_issue_says() -> None:
    # The DPD console issue's example, with the dataset named as the issue names it.
    labels = {**LABELS_FR, D + "atmo/mesures-salles": "les moyennes de CO2 des salles de classe"}
    by_rule = {
        s.rule: s.text
        for s in explain(demo_policy("atmo-mesures-salles"), lang="fr", labels=labels)
    }
    assert by_rule[POL + "atmo/mesures-salles#agregats-horaires-recherche"] == (
        "Les chercheurs de l'Université de La Rochelle peuvent obtenir des agrégats horaires "
        "des moyennes de CO2 des salles de classe, pour la recherche académique, "
        "au plus 100 fois par jour, jusqu'au 31 août 2027, "
        "à condition de citer Atmo Nouvelle-Aquitaine."
    )


def test_without_labels_names_come_from_the_iris() -> None:
    texts = explain_text(demo_policy("atmo-mesures-salles"), "fr").splitlines()
    assert texts[0] == (
        "Le groupe « chercheurs » peut obtenir des agrégats horaires du jeu de données "
        "« mesures-salles », pour la recherche académique, au plus 100 fois par jour, "
        "jusqu'au 31 août 2027, à condition de citer le participant « atmo »."
    )
    english = explain_text(demo_policy("bouygues-metres"), "en").splitlines()
    assert english[-1] == "The participant “cda” may not distribute the dataset “metres”."


# -- unit cases: one rule, one constraint ------------------------------------------------

TARGET = "http://example.com/datasets/air"
LABELS = {TARGET: "les mesures d'air", "http://example.com/p/asso": "l'association Air Libre"}
LABELS_E = {TARGET: "the air measurements", "http://example.com/p/asso": "the Air Libre society"}


def rule_with(*constraints: Constraint | LogicalConstraint, **changes: object) -> Policy:
    fields: dict[str, object] = {
        "iri": "http://example.com/r",
        "kind": "permission",
        "action": Action(ODRL + "read"),
        "target": Asset(TARGET),
        "constraints": constraints,
    }
    fields.update(changes)
    return Policy("http://example.com/p", ODRL + "Set", (Rule(**fields),))  # type: ignore[arg-type]


def c(left: str, op: str, *right: Iri | Lit, unit: str | None = None) -> Constraint:
    return Constraint("urn:c:" + left + op, left, ODRL + op, tuple(right), unit=unit)


def lit(value: str, datatype: str) -> Lit:
    return Lit(value, XSD + datatype)


def both(policy: Policy) -> tuple[str, str]:
    return explain_text(policy, "fr", LABELS), explain_text(policy, "en", LABELS_E)


READ_FR = "Tout le monde peut lire les mesures d'air, "
READ_EN = "Everyone may read the air measurements, "

CASES = [
    (c(ODRL + "purpose", "isA", Iri(DPV + "ScientificResearch")),
     "pour la recherche scientifique", "for scientific research"),
    (c(ODRL + "purpose", "isAnyOf",
       Iri(DPV + "AcademicResearch"), Iri(DPV + "ImprovePublicServices")),
     "pour la recherche académique ou l'amélioration des services publics",
     "for academic research or improving public services"),
    (c(ODRL + "purpose", "neq", Iri(DPV + "Marketing")),
     "sauf pour le marketing", "except for marketing"),
    (c(ODRL + "purpose", "isA", Iri(DPV + "SellProducts")),
     "pour « sell products »", "for sell products"),
    (c(ODRL + "dateTime", "lteq", lit("2027-08-31", "date")),
     "jusqu'au 31 août 2027", "until 31 August 2027"),
    (c(ODRL + "dateTime", "gteq", lit("2026-01-01", "date")),
     "à partir du 1er janvier 2026", "from 1 January 2026"),
    (c(ODRL + "dateTime", "lt", lit("2026-03-15T08:30:00Z", "dateTime")),
     "avant le 15 mars 2026 à 08 h 30 UTC", "before 15 March 2026 at 08:30 UTC"),
    (c(GP + "dailyCount", "lteq", lit("1", "integer")),
     "au plus une fois par jour", "at most once a day"),
    (c(GP + "dailyCount", "lteq", lit("20", "integer")),
     "au plus 20 fois par jour", "at most 20 times a day"),
    (c(ODRL + "count", "lteq", lit("500", "integer")),
     "au plus 500 fois au total", "at most 500 times in total"),
    (c(ODRL + "spatial", "isPartOf", Iri(AREA + "commune-17300")),
     "sur le territoire de La Rochelle", "within La Rochelle"),
    (c(ODRL + "spatial", "isAnyOf", Iri(AREA + "commune-17028"), Iri(AREA + "commune-17200")),
     "sur le territoire d'Aytré ou de Lagord", "within Aytré or Lagord"),
    (c(ODRL + "elapsedTime", "lteq", lit("P30D", "duration")),
     "pendant 30 jours après l'accord", "for 30 days after the agreement"),
    (c(ODRL + "elapsedTime", "lteq", lit("P1Y6M", "duration")),
     "pendant 1 an et 6 mois après l'accord", "for 1 year and 6 months after the agreement"),
    (c(ODRL + "recipient", "isA", Iri(GP + "University")),
     "à destination d'une université", "to a university"),
    (c(ODRL + "recipient", "eq", Iri("http://example.com/p/asso")),
     "à destination de l'association Air Libre", "to the Air Libre society"),
    (c(GP + "groupSize", "gteq", lit("10", "integer")),
     "par groupes d'au moins 10", "in groups of at least 10"),
    (c(GP + "role", "eq", Iri(GP + "Researcher")),
     "en tant que chercheur", "as a researcher"),
    (c(GP + "aggregationLevel", "gteq", lit("PT15M", "duration")),
     "à une granularité d'au moins 15 minutes", "at a granularity of at least 15 minutes"),
    # not understood: written verbatim, never dropped
    (c("http://example.com/temperature", "gteq", lit("20", "decimal")),
     "http://example.com/temperature gteq 20", "http://example.com/temperature gteq 20"),
    (c(ODRL + "purpose", "lt", Iri(DPV + "Marketing")),
     "purpose lt dpv:Marketing", "purpose lt dpv:Marketing"),
    (c(ODRL + "count", "lteq", lit("5", "integer"), unit="http://qudt.org/vocab/unit/HR"),
     "count lteq 5 http://qudt.org/vocab/unit/HR", "count lteq 5 http://qudt.org/vocab/unit/HR"),
    (c(ODRL + "dateTime", "lteq", lit("demain", "string")),
     "dateTime lteq demain", "dateTime lteq demain"),
]  # fmt: skip


@pytest.mark.parametrize(("constraint", "fr", "en"), CASES)
def test_constraint_in_words(constraint: Constraint, fr: str, en: str) -> None:
    assert both(rule_with(constraint)) == (READ_FR + fr + ".", READ_EN + en + ".")


def test_logical_constraints() -> None:
    until = c(ODRL + "dateTime", "lteq", lit("2027-08-31", "date"))
    research = c(ODRL + "purpose", "isA", Iri(DPV + "AcademicResearch"))
    daily = c(GP + "dailyCount", "lteq", lit("5", "integer"))
    either = LogicalConstraint("urn:or", ODRL + "or", (research, until))
    assert both(rule_with(either)) == (
        READ_FR + "pour la recherche académique ou jusqu'au 31 août 2027.",
        READ_EN + "for academic research or until 31 August 2027.",
    )
    one = LogicalConstraint("urn:x", ODRL + "xone", (research, daily))
    assert both(rule_with(one)) == (
        READ_FR + "soit pour la recherche académique, soit au plus 5 fois par jour "
        "(une seule de ces conditions).",
        READ_EN + "either for academic research or at most 5 times a day (exactly one of these).",
    )
    nested = LogicalConstraint("urn:and", ODRL + "and", (daily, until))
    assert both(rule_with(LogicalConstraint("urn:or2", ODRL + "or", (research, nested)))) == (
        READ_FR
        + "pour la recherche académique ou au plus 5 fois par jour et jusqu'au 31 août 2027.",
        READ_EN + "for academic research or at most 5 times a day and until 31 August 2027.",
    )


def test_aggregation_levels_become_adjectives() -> None:
    hourly = c(GP + "aggregationLevel", "gteq", lit("PT1H", "duration"))
    daily = c(GP + "aggregationLevel", "gteq", lit("P1D", "duration"))
    assert both(rule_with(hourly, action=Action(ODRL + "aggregate"))) == (
        "Tout le monde peut obtenir des agrégats horaires des mesures d'air.",
        "Everyone may obtain hourly aggregates of the air measurements.",
    )
    assert both(rule_with(daily, action=Action(ODRL + "aggregate"))) == (
        "Tout le monde peut obtenir des agrégats journaliers des mesures d'air.",
        "Everyone may obtain daily aggregates of the air measurements.",
    )
    # on a plain read, the level stays a constraint
    assert both(rule_with(hourly))[1] == READ_EN + "at a granularity of at least 1 hour."


def test_constraints_read_in_a_fixed_order() -> None:
    until = c(ODRL + "dateTime", "lteq", lit("2027-08-31", "date"))
    research = c(ODRL + "purpose", "isA", Iri(DPV + "AcademicResearch"))
    assert both(rule_with(until, research)) == both(rule_with(research, until))
    assert both(rule_with(until, research))[0] == (
        READ_FR + "pour la recherche académique, jusqu'au 31 août 2027."
    )


def test_duties_prohibitions_and_obligations() -> None:
    asso = Party("http://example.com/p/asso")
    inform = Rule(
        "urn:d1",
        "duty",
        Action(ODRL + "inform"),
        functions=((ODRL + "informedParty", asso.iri),),
    )
    anonymize = Rule("urn:d2", "duty", Action(ODRL + "anonymize"), target=Asset(TARGET))
    policy = rule_with(assignee=asso, duties=(inform, anonymize))
    assert both(policy) == (
        "L'association Air Libre peut lire les mesures d'air, à condition d'informer "
        "l'association Air Libre et d'anonymiser les mesures d'air.",
        "The Air Libre society may read the air measurements, provided it informs "
        "the Air Libre society and anonymises the air measurements.",
    )
    forbidden = rule_with(kind="prohibition", action=Action(ODRL + "sell"))
    assert both(forbidden) == (
        "Personne ne peut vendre les mesures d'air.",
        "No one may sell the air measurements.",
    )
    remedy = Rule(
        "urn:d3",
        "duty",
        Action(ODRL + "compensate"),
        functions=((ODRL + "compensatedParty", asso.iri),),
    )
    forbidden_remedy = rule_with(kind="prohibition", assignee=asso, duties=(remedy,))
    assert both(forbidden_remedy) == (
        "L'association Air Libre ne peut pas lire les mesures d'air ; "
        "en cas de manquement, obligation d'indemniser l'association Air Libre.",
        "The Air Libre society may not read the air measurements; "
        "if breached, it must compensate the Air Libre society.",
    )
    group = Party("http://example.com/p/benevoles", collection=True)
    must = rule_with(kind="obligation", action=Action(ODRL + "delete"), assignee=group)
    (sentence,) = explain(must, lang="fr", labels={**LABELS, group.iri: "les bénévoles"})
    assert sentence == Sentence(
        "http://example.com/r", "obligation", "Les bénévoles doivent supprimer les mesures d'air."
    )
    until = c(ODRL + "dateTime", "lteq", lit("2026-06-30", "date"))
    late = rule_with(
        kind="obligation",
        action=Action(ODRL + "delete"),
        assignee=group,
        constraints=(until,),
        duties=(remedy,),
    )
    assert explain_text(late, "en", {group.iri: "the volunteers"}) == (
        "The volunteers must delete the dataset “air”, until 30 June 2026; "
        "failing that, they must compensate the participant “asso”."
    )


def test_unknown_action_is_named_not_dropped() -> None:
    policy = rule_with(action=Action("http://example.com/actions/tweet"))
    assert both(policy) == (
        "Tout le monde peut « tweet » les mesures d'air.",
        "Everyone may “tweet” the air measurements.",
    )


def test_a_purpose_and_a_duration_alone_read_as_in_the_sentences() -> None:
    # labels from policies/data/explain-labels.csv; the caller's labels come first
    assert concept_label(DPV + "AcademicResearch", lang="fr") == "La recherche académique"
    assert concept_label(DPV + "AcademicResearch", lang="en") == "Academic research"
    assert (
        concept_label(
            DPV + "AcademicResearch", lang="fr", labels={DPV + "AcademicResearch": "la science"}
        )
        == "La science"
    )
    assert duration_text("P5Y", lang="fr") == "5 ans"
    assert duration_text("P18M", lang="en") == "18 months"
    assert duration_text("five years", lang="fr") is None
