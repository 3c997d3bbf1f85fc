"""The words of the families' page (:mod:`._transparence`), in French and in English.

Written for a ten-year-old and a parent: short sentences, no acronym left unexplained.
The thresholds (800 and 1500 ppm, the ICONE bands) are not written here: the page reads
them from ``connector/domain/data/icone.csv`` and passes them to :func:`words`. The names of
the ICONE levels 1 to 4 are the page's own words between the two ends the index defines
(0: no confinement, 5: extreme; see the schema's ``IndoorAirReport.icone``).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

LEVELS: dict[Lang, tuple[str, ...]] = {
    "fr": ("aucun confinement", "faible", "moyen", "élevé", "très élevé", "extrême"),
    "en": ("no confinement", "low", "moderate", "high", "very high", "extreme"),
}
"""ICONE 0 to 5 in words."""

_FR = {
    "title": "L'air des classes et l'usage des données",
    "lead": (
        "Cette page montre, pour chaque classe, si l'air a été bien renouvelé, qui a "
        "utilisé les mesures et à quelles conditions. Elle ne contient aucune donnée "
        "personnelle et ne demande aucune connexion."
    ),
    "switch": "English",
    "footer": (
        "Page publique du guichet de données : sans connexion, sans cookie, sans script. "
        "Chaque affichage de cette page lit les données comme le public et compte dans "
        "« public, sans jeton »."
    ),
    "schools": "Écoles",
    "schools_lead": "Choisissez une école pour voir l'air de ses classes.",
    "no_schools": "Aucune école n'est publiée dans l'espace de données.",
    "uai": "code UAI",
    "co2_title": "Pourquoi mesure-t-on le CO2 ?",
    "co2": (
        "Quand nous respirons, nous rejetons du dioxyde de carbone (CO2). Dans une classe "
        "fermée, il s'accumule : plus il y en a, moins l'air a été renouvelé. Un air mal "
        "renouvelé fatigue et aide les virus à circuler. On mesure le CO2 en ppm (parties "
        "par million)."
    ),
    "marks": (
        "Le Haut Conseil de la santé publique (avis du 21 janvier 2022) donne deux repères : "
        "en dessous de {guidance} ppm, l'air est bien renouvelé ; au-dessus de {action} ppm, "
        "il faut agir vite (ouvrir les fenêtres, vérifier la ventilation)."
    ),
    "icone_title": "L'indice ICONE",
    "icone": (
        "ICONE va de 0 (aucun confinement) à 5 (confinement extrême). Il se calcule avec la "
        "part du temps de classe où le CO2 dépasse {f1} ppm, et celle où il dépasse {f2} ppm, "
        "qui compte trois fois plus. Il est prévu pour une semaine de mesure."
    ),
    "classrooms": "Les classes",
    "no_air": "Aucune mesure d'air n'est publiée pour cette école.",
    "year": "Cette année scolaire",
    "week": "La dernière semaine mesurée",
    "week_of": "semaine du {start} au {end}",
    "period": "du {start} au {end}",
    "icone_is": "ICONE {value} sur 5 : {level}",
    "above_action": "{share} du temps de classe au-dessus de {action} ppm",
    "above_guidance": "{share} du temps de classe au-dessus de {guidance} ppm",
    "mean_max": "en moyenne {mean} ppm, au plus {max} ppm",
    "readings": "{n} mesures prises pendant la classe",
    "worst": "La semaine la plus confinée : {week}, ICONE {value}.",
    "year_note": (
        "L'ICONE de l'année réunit toutes les mesures de l'année ; ce n'est pas l'indice "
        "d'une semaine."
    ),
    "chart_title": "CO2 moyen et maximal de la classe {room}, semaine par semaine",
    "chart_desc": (
        "Pour chaque semaine mesurée, une barre donne le CO2 moyen pendant la classe et un "
        "trait le maximum. Deux lignes marquent {guidance} et {action} ppm. Le tableau qui "
        "suit donne les mêmes valeurs."
    ),
    "table": "Les valeurs du graphique",
    "col_week": "Semaine",
    "col_icone": "ICONE",
    "col_mean": "CO2 moyen (ppm)",
    "col_max": "CO2 maximal (ppm)",
    "col_action": "Au-dessus de {action} ppm",
    "legend_mean": "CO2 moyen",
    "legend_max": "CO2 maximal",
    "what_title": "Ce qui est mesuré, par qui et pourquoi",
    "publisher": "Publié par",
    "kept": "Conservé chez",
    "kept_where": (
        "{publisher}, sur son propre serveur : les données restent chez lui, l'espace de "
        "données les lit sur place à chaque demande."
    ),
    "retention": "Durée de conservation",
    "retention_none": "non indiquée dans le catalogue de l'espace de données",
    "personal": "Données personnelles",
    "personal_no": "non, selon le catalogue",
    "personal_yes": "oui, selon le catalogue",
    "personal_unknown": "le catalogue ne le dit pas",
    "policy": "Les règles d'usage, en clair",
    "who_title": "Qui a utilisé les données",
    "who_lead": (
        "Chaque demande est inscrite dans le journal du serveur qui garde les données. Voici "
        "les demandes comptées par type de participant et par but, sans jamais nommer "
        "une personne."
    ),
    "who_none": "Aucune demande n'est inscrite pour ces données.",
    "who_error": "Le nombre de demandes n'a pas pu être lu auprès du nœud {node} : {error}",
    "who_type": "Type de participant",
    "who_purpose": "But déclaré",
    "who_permit": "Demandes acceptées",
    "who_deny": "Demandes refusées",
    "who_no_purpose": "aucun but déclaré",
    "who_caption": "Demandes sur les données publiées par {node}",
    "who_cost": (
        "Ce qu'a coûté de répondre à ces questions : environ {wh} Wh d'électricité, soit "
        "{g} g d'équivalent CO2 (estimation de la plateforme : temps de calcul et octets "
        "envoyés, facteurs cités dans sa documentation)."
    ),
    "rights_title": "Vos droits et le délégué à la protection des données",
    "rights": (
        "Ces mesures ne concernent aucune personne. Pour toute question sur les données de "
        "l'espace, pour savoir si des données vous concernent, les faire corriger ou "
        "effacer, ou vous opposer à leur usage, écrivez au délégué à la protection des "
        "données (DPD). Vous pouvez aussi saisir la CNIL (cnil.fr)."
    ),
    "dpd": "Délégué à la protection des données",
    "back": "Toutes les écoles",
    "not_found": "Aucune école n'a le code UAI {uai}.",
    "unavailable": "Une partie des données n'a pas pu être lue : {error}",
}

_EN = {
    "title": "The air in the classrooms and who used the data",
    "lead": (
        "For each classroom, this page shows whether the air was well renewed, who used the "
        "measurements and on which terms. It holds no personal data and needs no login."
    ),
    "switch": "Français",
    "footer": (
        "A public page of the data space: no login, no cookie, no script. Each view of this "
        "page reads the data as the public does and counts under “the public, without a "
        "token”."
    ),
    "schools": "Schools",
    "schools_lead": "Choose a school to see the air in its classrooms.",
    "no_schools": "No school is published in the data space.",
    "uai": "UAI code",
    "co2_title": "Why measure CO2?",
    "co2": (
        "When we breathe out, we release carbon dioxide (CO2). In a closed classroom it "
        "builds up: the more there is, the less the air has been renewed. Stale air makes "
        "people tired and helps viruses spread. CO2 is measured in ppm (parts per million)."
    ),
    "marks": (
        "France's High Council for Public Health (HCSP, opinion of 21 January 2022) gives two "
        "marks: below {guidance} ppm the air is well renewed; above {action} ppm something "
        "must be done quickly (open the windows, check the ventilation)."
    ),
    "icone_title": "The ICONE index",
    "icone": (
        "ICONE goes from 0 (no confinement) to 5 (extreme confinement). It is computed from "
        "the share of class time with CO2 above {f1} ppm, and the share above {f2} ppm, which "
        "counts three times as much. It is meant for one week of measurement."
    ),
    "classrooms": "The classrooms",
    "no_air": "No air measurement is published for this school.",
    "year": "This school year",
    "week": "The latest week measured",
    "week_of": "week of {start} to {end}",
    "period": "from {start} to {end}",
    "icone_is": "ICONE {value} out of 5: {level}",
    "above_action": "{share} of class time above {action} ppm",
    "above_guidance": "{share} of class time above {guidance} ppm",
    "mean_max": "{mean} ppm on average, {max} ppm at most",
    "readings": "{n} readings taken during class",
    "worst": "The most confined week: {week}, ICONE {value}.",
    "year_note": (
        "The year's ICONE pools every reading of the year; it is not the index of one week."
    ),
    "chart_title": "Mean and highest CO2 in {room}, week by week",
    "chart_desc": (
        "For each week measured, a bar gives the mean CO2 during class and a tick the "
        "highest. Two lines mark {guidance} and {action} ppm. The table below gives the same "
        "values."
    ),
    "table": "The chart's values",
    "col_week": "Week",
    "col_icone": "ICONE",
    "col_mean": "Mean CO2 (ppm)",
    "col_max": "Highest CO2 (ppm)",
    "col_action": "Above {action} ppm",
    "legend_mean": "mean CO2",
    "legend_max": "highest CO2",
    "what_title": "What is measured, by whom and why",
    "publisher": "Published by",
    "kept": "Kept by",
    "kept_where": (
        "{publisher}, on its own server: the data stays there, and the data space reads it "
        "in place for each request."
    ),
    "retention": "How long it is kept",
    "retention_none": "not stated in the data space's catalogue",
    "personal": "Personal data",
    "personal_no": "no, says the catalogue",
    "personal_yes": "yes, says the catalogue",
    "personal_unknown": "the catalogue does not say",
    "policy": "The terms of use, in plain words",
    "who_title": "Who used the data",
    "who_lead": (
        "Every request is written in the log of the server that keeps the data. Here are the "
        "requests counted by type of participant and by purpose, never naming a person."
    ),
    "who_none": "No request is logged for this data.",
    "who_error": "The number of requests could not be read from the node {node}: {error}",
    "who_type": "Type of participant",
    "who_purpose": "Declared purpose",
    "who_permit": "Requests granted",
    "who_deny": "Requests refused",
    "who_no_purpose": "no purpose declared",
    "who_caption": "Requests on the data published by {node}",
    "who_cost": (
        "What answering these questions cost: about {wh} Wh of electricity, {g} g CO2 "
        "equivalent (the platform's own estimate from computing time and bytes sent; the "
        "factors are cited in its documentation)."
    ),
    "rights_title": "Your rights and the data protection officer",
    "rights": (
        "These measurements are about no person. For any question about the data space's "
        "data, to know whether data about you is held, to have it corrected or erased, or to "
        "object to its use, write to the data protection officer (DPO). You may also "
        "complain to the CNIL, France's data protection authority (cnil.fr)."
    ),
    "dpd": "Data protection officer",
    "back": "All schools",
    "not_found": "No school has the UAI code {uai}.",
    "unavailable": "Part of the data could not be read: {error}",
}

TEXTS: dict[Lang, dict[str, str]] = {"fr": _FR, "en": _EN}

PARTY_TYPES: dict[str, dict[Lang, str]] = {
    "public": {"fr": "public, sans jeton", "en": "the public, without a token"},
    "collectivite": {"fr": "collectivité", "en": "local authority"},
    "recherche": {"fr": "recherche", "en": "research"},
    "ecole": {"fr": "école", "en": "school"},
    "qualite-air": {"fr": "agence de qualité de l'air", "en": "air-quality agency"},
    "entreprise": {"fr": "entreprise", "en": "company"},
    "bailleur": {"fr": "bailleur social", "en": "social landlord"},
    "dpd": {"fr": "délégué à la protection des données", "en": "data protection officer"},
    "transparence": {"fr": "cette page", "en": "this page"},
    "autre": {"fr": "autre participant", "en": "other participant"},
}
"""Names of the participant types a node's usage summary counts by (``[usage.party_types]``)."""


def words(lang: Lang) -> dict[str, str]:
    """The page's texts in ``lang``."""
    return TEXTS[lang]


def party_type(key: str, lang: Lang) -> str:
    """A participant type in words; an unknown key stands as itself."""
    return PARTY_TYPES.get(key, {}).get(lang, key)
