"""The console's words for the DPD's daily work (the console's own reads, agreements),
merged into :data:`connector.console.i18n.MESSAGES`: French first, English second."""

from __future__ import annotations

DPD_MESSAGES: dict[str, tuple[str, str]] = {
    # the console's own reads
    "f_console": ("Inclure les lectures de la console", "Include the console's reads"),
    "f_console_hint": (
        "Chaque page de cette console lit le journal de chaque nœud, et chaque lecture y est "
        "inscrite (client {client}). Elles sont laissées de côté par défaut.",
        "Every page of this console reads each node's log, and each read is logged there "
        "(client {client}). They are left out by default.",
    ),
    "bad_console": (
        "Lectures de la console : « {value} » n'est pas une valeur de case à cocher (attendu : 1).",
        "Console reads: “{value}” is not a checkbox value (expected: 1).",
    ),
    "console_read": ("lecture de la console", "console read"),
    "console_left_out": (
        "Les lectures de la console sont laissées de côté.",
        "The console's own reads are left out.",
    ),
    # agreements
    "nav_agreements": ("Accords", "Agreements"),
    "agreements_title": ("Accords conclus sur les offres", "Agreements made on offers"),
    "agreements_intro": (
        "Un participant qui accepte une offre d'un nœud (acceptOffer) conclut un accord : "
        "qui, quelle offre, quand, pour quelle finalité, et les obligations qui "
        "l'accompagnent.",
        "A participant who accepts a node's offer (acceptOffer) makes an agreement: who, "
        "which offer, when, for which purpose, and the duties that come with it.",
    ),
    "agreements_caption": ("Accords du nœud {node}", "Agreements of node {node}"),
    "agreements_none": ("Aucun accord.", "No agreement."),
    "col_agreement": ("Accord", "Agreement"),
    "col_offer": ("Offre", "Offer"),
    "col_accepted": ("Accepté le ({tz})", "Accepted on ({tz})"),
}
