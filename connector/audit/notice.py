"""A draft of the personal-data breach notification (RGPD art. 33) for a broken audit
chain, from the facts the log holds: ``guichet audit notice``.

Art. 33(1) gives the controller 72 hours from becoming aware of a breach to notify the
supervisory authority (the CNIL in France), unless it is unlikely to result in a risk to
people; art. 33(3) lists what the notification describes: (a) the nature of the breach,
the categories and approximate number of people and of records concerned; (b) the DPD's
contact; (c) its likely consequences; (d) the measures taken or proposed. The draft fills
what the log can say (which entries, which period, which datasets and how many of them
hold personal data, how many callers) and marks with « À COMPLÉTER » what only the DPD
can (the contact, the assessment of the risk, the measures). It is a draft for the DPD,
never sent by the software.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.audit.record import StoredEntry, format_time
from connector.audit.verify import ChainReader, VerifyReport
from connector.audit.watch import NOTIFY_WITHIN

TODO = "« À COMPLÉTER »"
KINDS = {
    "altered": "des entrées ont été modifiées après leur écriture",
    "removed": "des entrées ont été supprimées",
    "reordered": "des entrées ont été déplacées dans la chaîne",
}


@dataclass(frozen=True)
class Facts:
    """What the log says of the entries from the first problem to its end."""

    first: datetime | None
    last: datetime | None
    entries: int
    unreadable: int
    datasets: tuple[str, ...]
    parties: int
    clients: int


async def facts_after(reader: ChainReader, seq: int, *, chunk: int = 1000) -> Facts:
    """The facts of the entries numbered ``seq`` and after (those the chain no longer
    vouches for)."""
    entries: list[StoredEntry] = []
    unreadable = 0
    after = seq - 1
    while True:
        rows = await reader.rows_after(after, chunk)
        for row in rows:
            if row.entry is None:
                unreadable += 1
            else:
                entries.append(row.entry)
        if len(rows) < chunk:
            break
        after = rows[-1].seq
    times = sorted(e.time for e in entries)
    return Facts(
        first=times[0] if times else None,
        last=times[-1] if times else None,
        entries=len(entries),
        unreadable=unreadable,
        datasets=tuple(sorted({d for e in entries for d in e.datasets})),
        parties=len({e.party for e in entries}),
        clients=len({e.client_id for e in entries if e.client_id}),
    )


def draft(
    report: VerifyReport,
    facts: Facts,
    *,
    node: str,
    controller: str,
    personal: Mapping[str, bool],
    found: datetime,
    intact_until: datetime | None,
) -> str:
    """The notification's draft (French, as the CNIL's form), in Markdown."""
    problem = report.problem
    assert problem is not None, "a draft is for a broken chain"
    personal_sets = [d for d in facts.datasets if personal.get(d)]
    other_sets = [d for d in facts.datasets if not personal.get(d)]
    lines = [
        f"# Projet de notification de violation de données (RGPD art. 33) — nœud {node}",
        "",
        f"Constatée le {format_time(found)} ; à notifier à la CNIL avant le "
        f"**{format_time(found + NOTIFY_WITHIN)}** (72 heures, art. 33(1)), sauf si la "
        "violation n'est pas susceptible d'engendrer un risque pour les droits et libertés "
        f"des personnes : {TODO} (appréciation du DPD, à documenter, art. 33(5)).",
        "",
        f"Responsable du traitement : {controller} ({TODO} : nom, adresse).",
        "",
        "## a) Nature de la violation",
        "",
        f"Atteinte à l'**intégrité** du journal d'audit du nœud « {node} » : "
        f"{KINDS[problem.kind]} (premier constat : entrée n° {problem.seq}).",
        f"Détail de la vérification : `{problem.message}`.",
        f"La chaîne est intacte pour les {report.entries} premières entrées"
        + (f", jusqu'au {format_time(intact_until)}" if intact_until else "")
        + ".",
        f"Entrées dont la chaîne ne garantit plus l'intégrité : {facts.entries} lisibles"
        + (f" et {facts.unreadable} illisibles" if facts.unreadable else "")
        + (
            f", écrites du {format_time(facts.first)} au {format_time(facts.last)}"
            if facts.first and facts.last
            else ""
        )
        + ".",
        "",
        "Catégories de données concernées : les traces d'accès (identifiants des "
        f"participants et de leurs applications : {facts.parties} participant(s), "
        f"{facts.clients} application(s) cliente(s), finalités, jeux de données lus).",
        *_datasets(
            "Jeux de données de données personnelles dont les accès sont tracés dans ces entrées",
            personal_sets,
        ),
        *_datasets("Autres jeux de données concernés", other_sets),
        f"Nombre approximatif de personnes concernées : {TODO} (les personnes dont les "
        "accès aux données sont tracés, et celles dont les données ont été lues pendant "
        "la période ci-dessus).",
        "",
        "## b) Contact du délégué à la protection des données",
        "",
        f"{TODO} : nom, adresse électronique, téléphone.",
        "",
        "## c) Conséquences probables",
        "",
        "La preuve des accès de la période n'est plus assurée : un accès non autorisé "
        "pourrait y avoir été masqué, et les réponses aux demandes d'accès des personnes "
        f"(art. 15) pour cette période ne sont plus fiables. {TODO} : appréciation du risque.",
        "",
        "## d) Mesures prises ou envisagées",
        "",
        "- conserver une copie de la base du journal en l'état (empreinte à noter) ;",
        "- comparer avec les exports et sauvegardes antérieurs (`guichet audit export`) "
        "et avec les têtes de chaîne relevées (`guichet audit verify --expect-head`) ;",
        "- rechercher l'origine de la modification (accès au serveur, comptes) et "
        "renouveler les secrets des clients concernés ;",
        f"- {TODO} : autres mesures, information des personnes si le risque est élevé (art. 34).",
        "",
    ]
    return "\n".join(lines)


def _datasets(title: str, iris: Sequence[str]) -> list[str]:
    if not iris:
        return []
    return [f"{title} :", *(f"- {iri}" for iri in iris), ""]
