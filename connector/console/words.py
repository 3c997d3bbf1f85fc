"""The console's words for the DPD's daily work (the access log page, the console's own
reads, agreements), merged into :data:`connector.console.i18n.MESSAGES`: French first,
English second."""

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

LOG_MESSAGES: dict[str, tuple[str, str]] = {
    # the access log page: its filters, columns, chart and export
    "log_title": ("Journal des accès", "Access log"),
    "log_filters": ("Filtres", "Filters"),
    "f_node": ("Nœud", "Node"),
    "f_party": ("Participant", "Party"),
    "f_dataset": ("Jeu de données", "Dataset"),
    "f_decision": ("Décision", "Decision"),
    "f_purpose": ("Finalité", "Purpose"),
    "f_entity": ("Bien lu (identifiant RNB ou clé)", "Entity read (RNB id or key)"),
    "f_address": ("Adresse du bâtiment", "Building's address"),
    "f_entity_hint": (
        "Demande d'accès d'un habitant : tous les accès à un bien, par son identifiant RNB, "
        "une clé (salle, capteur) ou son adresse telle que le registre l'écrit ; les données "
        "personnelles sont retrouvées par leur pseudonyme.",
        "A resident's access request: every access to one property, by its RNB id, a key "
        "(room, sensor) or its address as the register writes it; personal data is found "
        "by its pseudonym.",
    ),
    "f_since": ("Depuis (inclus)", "Since (inclusive)"),
    "f_until": ("Jusqu'à (exclu)", "Until (exclusive)"),
    "f_time_hint": (
        "Dates et heures à l'heure de {tz}, par exemple 2026-01-31T08:00.",
        "Dates and times in the {tz} time zone, e.g. 2026-01-31T08:00.",
    ),
    "f_submit": ("Filtrer", "Filter"),
    "f_reset": ("Effacer les filtres", "Clear the filters"),
    "any_node": ("Tous les nœuds", "All nodes"),
    "any_party": ("Tous les participants", "All parties"),
    "any_dataset": ("Tous les jeux", "All datasets"),
    "any_decision": ("Toutes les décisions", "All decisions"),
    "any_purpose": ("Toutes les finalités", "All purposes"),
    "filter_errors": ("Filtres à corriger", "Filters to correct"),
    "bad_node": (
        "Nœud : « {value} » n'est pas un nœud de cette console (attendu : {expected}).",
        "Node: “{value}” is not a node of this console (expected: {expected}).",
    ),
    "bad_iri": (
        "{field} : « {value} » n'est pas un identifiant (IRI) valable.",
        "{field}: “{value}” is not a valid identifier (IRI).",
    ),
    "bad_dataset": (
        "Jeu de données : « {value} » n'est pas un identifiant de jeu valable.",
        "Dataset: “{value}” is not a valid dataset identifier.",
    ),
    "dataset_nowhere": (
        "Jeu de données : aucun des nœuds choisis ne tient « {value} ».",
        "Dataset: none of the chosen nodes holds “{value}”.",
    ),
    "bad_decision": (
        "Décision : « {value} » n'est pas une décision (attendu : {expected}).",
        "Decision: “{value}” is not a decision (expected: {expected}).",
    ),
    "bad_time": (
        "{field} : « {value} » n'est pas une date et heure (attendu : AAAA-MM-JJ ou "
        "AAAA-MM-JJTHH:MM).",
        "{field}: “{value}” is not a date and time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM).",
    ),
    "bad_range": (
        "Période : « Depuis » doit précéder « Jusqu'à ».",
        "Time range: “Since” must come before “Until”.",
    ),
    "bad_length": (
        "{field} : valeur trop longue ({length} caractères, au plus {limit}).",
        "{field}: value too long ({length} characters, at most {limit}).",
    ),
    "bad_action": (
        "Action : « {value} » n'est pas une action (attendu : {expected}).",
        "Action: “{value}” is not an action (expected: {expected}).",
    ),
    "bad_level": (
        "Niveau d'agrégation : « {value} » n'est pas proposé (attendu : {expected}).",
        "Aggregation level: “{value}” is not offered (expected: {expected}).",
    ),
    "missing_field": ("{field} : à choisir.", "{field}: please choose one."),
    "export_csv": ("Exporter en CSV", "Export as CSV"),
    "export_jsonld": ("Exporter en JSON-LD", "Export as JSON-LD"),
    "log_summary": (
        "{total} décisions : {permit} autorisées, {deny} refusées.",
        "{total} decisions: {permit} permitted, {deny} denied.",
    ),
    "counts_party": ("Décisions par participant", "Decisions per party"),
    "counts_dataset": ("Décisions par jeu de données", "Decisions per dataset"),
    "chart_desc": (
        "Barres : en vert les accès autorisés, en rouge les refus.",
        "Bars: permitted accesses in green, denials in red.",
    ),
    "chart_bar": (
        "{label} : {permit} autorisées, {deny} refusées",
        "{label}: {permit} permitted, {deny} denied",
    ),
    "col_party": ("Participant", "Party"),
    "col_permit": ("Autorisées", "Permitted"),
    "col_deny": ("Refusées", "Denied"),
    "col_total": ("Total", "Total"),
    "no_entries": ("Aucune entrée.", "No entry."),
    "log_entries_caption": (
        "Entrées du journal, les plus récentes d'abord ({shown} affichées)",
        "Log entries, newest first ({shown} shown)",
    ),
    "log_truncated": (
        "Au plus {limit} entrées par page, des plus récentes aux plus anciennes ; affinez "
        "les filtres ou exportez pour tout avoir d'un coup.",
        "At most {limit} entries a page, newest first; narrow the filters or export to get "
        "them all at once.",
    ),
    "col_time": ("Date ({tz})", "Time ({tz})"),
    "log_older": ("Entrées plus anciennes", "Older entries"),
    "bad_older": (
        "Le lien vers les entrées plus anciennes est abîmé ; repartez des plus récentes.",
        "The link to older entries is damaged; start again from the newest.",
    ),
    "col_seq": ("N°", "No."),
    "col_purpose": ("Finalité", "Purpose"),
    "col_datasets": ("Jeux", "Datasets"),
    "col_decision": ("Décision", "Decision"),
    "col_reason": ("Motif", "Reason"),
    "col_rule": ("Règle", "Rule"),
    "col_duties": ("Obligations", "Duties"),
    "decision_permit": ("autorisé", "permitted"),
    "decision_deny": ("refusé", "denied"),
    "export_failed": (
        "L'export n'a pas pu être fait : certains nœuds n'ont pas répondu.",
        "The export could not be made: some nodes did not answer.",
    ),
}
