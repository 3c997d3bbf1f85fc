"""The reason codes of the audit log (``details.reasonCode``, see :mod:`policies.codes` and
:mod:`connector.usage.reasons`) and the duties of a permit, worded in French and English.

An entry written before the codes existed has none: the page then shows its English
reason alone. A code this console does not know is shown as it is, never dropped.

>>> reason_text("fr", "constraint-failed:purpose")
'la finalité déclarée ne remplit pas la condition de la permission'
>>> duty_text("en", "attribute")
'credit the source (attribution)'
"""

from __future__ import annotations

from collections.abc import Sequence

CODES: dict[str, tuple[str, str]] = {
    "permitted": ("une permission autorise cet usage", "a permission allows this use"),
    "prohibited": ("une interdiction s'applique", "a prohibition applies"),
    "prohibition-undecided": (
        "une interdiction pourrait s'appliquer et l'information manque pour en juger",
        "a prohibition might apply and the information to tell is missing",
    ),
    "conflict": (
        "une permission et une interdiction s'appliquent ensemble : la politique est nulle",
        "a permission and a prohibition both apply: the policy is void",
    ),
    "not-understood": (
        "un terme de la politique n'est pas compris : refus par prudence",
        "a term of the policy is not understood: denied to be safe",
    ),
    "no-policy": ("aucune politique", "no policy"),
    "no-permission": (
        "aucune permission ne porte sur cet usage",
        "no permission covers this use",
    ),
    "not-assignee": (
        "la permission est accordée à un autre participant",
        "the permission is granted to another participant",
    ),
    "constraint-failed": (
        "une condition de la permission n'est pas remplie",
        "a condition of the permission is not met",
    ),
    "duty-violated": (
        "une obligation de la permission n'a pas été respectée",
        "a duty of the permission was not performed",
    ),
    "dataset-closed": (
        "le jeu de données est fermé (politique absente ou incohérente)",
        "the dataset is closed (its policy is missing or inconsistent)",
    ),
    "offer-not-accepted": (
        "le jeu de données n'est qu'offert : aucune offre n'a été acceptée",
        "the dataset is only offered: no offer was accepted",
    ),
    "duty-unenforceable": (
        "la permission impose une obligation que ce nœud ne sait pas faire respecter",
        "the permission requires a duty this node cannot enforce",
    ),
    "cells-cut": (
        "les filtres découpent les agrégats en parts trop fines",
        "the filters cut the aggregates into parts too fine",
    ),
    "too-fine": (
        "le niveau d'agrégation demandé est plus fin que permis",
        "the aggregation asked is finer than permitted",
    ),
    "group-too-small": (
        "un groupe compte trop peu de lignes",
        "a group holds too few rows",
    ),
    "too-few-subjects": (
        "un groupe concerne trop peu de personnes (données personnelles)",
        "a group concerns too few people (personal data)",
    ),
    "undecided": (
        "le nœud n'a pas pu décider avant l'exécution",
        "the node could not decide before execution",
    ),
    "not-executed": (
        "la requête n'a pas été exécutée jusqu'au bout",
        "the query was not carried out to the end",
    ),
    "invalid-token": ("jeton d'accès refusé", "access token refused"),
    "bad-request": ("ce n'est pas une requête GraphQL valide", "not a valid GraphQL request"),
    "body-too-large": ("requête trop volumineuse", "request body too large"),
    "invalid-query": ("requête GraphQL invalide", "invalid GraphQL query"),
    "over-limit": (
        "requête au-delà des limites du nœud (profondeur, alias ou taille)",
        "query over the node's limits (depth, aliases or size)",
    ),
    "audit-read": (
        "lecture du journal par le DPD",
        "the DPO read the audit log",
    ),
    "audit-forbidden": (
        "lecture du journal refusée : il faut le rôle de DPD",
        "audit log read refused: the DPO role is needed",
    ),
    "offer-accepted": ("offre acceptée : un accord est conclu", "offer accepted as an agreement"),
}

OPERANDS: dict[str, tuple[str, str]] = {
    "purpose": ("la finalité déclarée", "the declared purpose"),
    "dateTime": ("la date", "the date"),
    "elapsedTime": ("la durée écoulée", "the elapsed time"),
    "count": ("le nombre d'usages", "the number of uses"),
    "recipient": ("le destinataire", "the recipient"),
    "spatial": ("le lieu", "the place"),
    "deliveryChannel": ("le canal de diffusion", "the delivery channel"),
    "aggregationLevel": ("le niveau d'agrégation", "the aggregation level"),
    "dailyCount": ("le nombre de lectures du jour", "the number of reads today"),
    "role": ("le rôle de l'appelant", "the caller's role"),
    "groupSize": ("la taille des groupes", "the size of the groups"),
    "subjectCount": ("le nombre de personnes par groupe", "the number of people per group"),
}

DUTIES: dict[str, tuple[str, str]] = {
    "attribute": ("citer la source (attribution)", "credit the source (attribution)"),
    "anonymize": ("anonymiser", "anonymise"),
    "inform": ("informer le DPD", "inform the DPO"),
}

NO_RULE: tuple[str, str] = (
    "contrôle du nœud, avant toute politique",
    "the node's own check, before any policy",
)


def _pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[1] if lang == "en" else pair[0]


def reason_text(lang: str, code: str | None) -> str:
    """``code`` in words (``""`` for no code; an unknown code as it is)."""
    if not code:
        return ""
    base, _, operand = code.partition(":")
    if base == "constraint-failed" and operand:
        if lang == "en":
            words = OPERANDS.get(operand, (operand, f"the {operand}"))[1]
            return f"{words} does not meet the permission's condition"
        words = OPERANDS.get(operand, (f"« {operand} »", operand))[0]
        return f"{words} ne remplit pas la condition de la permission"
    return _pick(lang, CODES[base]) if base in CODES else code


def duty_text(lang: str, duty: str) -> str:
    """A duty's short name (``attribute``...) in words; an unknown one as it is."""
    return _pick(lang, DUTIES[duty]) if duty in DUTIES else duty


def duties_text(lang: str, duties: Sequence[str]) -> list[str]:
    return [duty_text(lang, d) for d in duties]


def no_rule_text(lang: str) -> str:
    """What stands in the « Règle » column when the node refused before any policy."""
    return _pick(lang, NO_RULE)
