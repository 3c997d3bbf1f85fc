"""The console's words in French (the default) and English: one catalogue, every string
of every page. A missing key is an error caught by the tests, not a blank on a page.

>>> translator("en")("nav_log")
'Access log'
"""

from __future__ import annotations

from collections.abc import Callable

from connector.console.words import DPD_MESSAGES, LOG_MESSAGES

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"

MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "console": ("console du DPD", "DPO console"),
    "skip_to_content": ("Aller au contenu", "Skip to content"),
    "language": ("Langue", "Language"),
    "navigation": ("Navigation principale", "Main navigation"),
    "logout": ("Se déconnecter", "Log out"),
    "nav_home": ("Accueil", "Home"),
    "nav_datasets": ("Jeux de données et politiques", "Datasets and policies"),
    "nav_register": ("Registre des traitements", "Processing register"),
    "nav_log": ("Journal des accès", "Access log"),
    "nav_integrity": ("Intégrité", "Integrity"),
    "nav_whatif": ("Et si… ?", "What if?"),
    "nav_catalog": ("Catalogue de l'espace", "Data space catalog"),
    "footer": (
        "Guichet — chaque lecture de cette console est elle-même inscrite au journal.",
        "Guichet — every read made by this console is itself logged.",
    ),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    # errors
    "error_title_session-expired": ("Votre session a expiré", "Your session has expired"),
    "error_text_session-expired": (
        "Pour votre sécurité, la session se ferme après une période d'inactivité ou une "
        "durée maximale. Reconnectez-vous pour continuer.",
        "For your security, the session ends after a period of inactivity or a maximum "
        "duration. Log in again to continue.",
    ),
    "error_title_no-session": ("Vous n'êtes pas connecté", "You are not logged in"),
    "error_text_no-session": (
        "Cette page est réservée au délégué à la protection des données. Connectez-vous.",
        "This page is for the data-protection officer only. Please log in.",
    ),
    "error_title_forbidden": ("Accès refusé", "Access denied"),
    "error_text_forbidden": (
        "Ce compte n'a pas le rôle de délégué à la protection des données (DPD) : "
        "la console ne lui montre rien.",
        "This account does not hold the data-protection officer (DPO) role: the console "
        "shows it nothing.",
    ),
    "error_title_login-failed": ("La connexion a échoué", "Login failed"),
    "error_text_login-failed": (
        "La connexion n'a pas pu aboutir. Recommencez depuis le début.",
        "The login could not be completed. Please start again.",
    ),
    "error_title_not-found": ("Page introuvable", "Page not found"),
    "error_text_not-found": (
        "Cette adresse ne correspond à aucune page de la console.",
        "This address matches no page of the console.",
    ),
    "error_title_bad-request": ("Demande incorrecte", "Bad request"),
    "error_text_bad-request": (
        "La demande n'a pas pu être comprise.",
        "The request could not be understood.",
    ),
    "error_title_unavailable": ("Service indisponible", "Service unavailable"),
    "error_text_unavailable": (
        "Un service nécessaire ne répond pas. Réessayez dans un instant.",
        "A service the console needs does not answer. Try again in a moment.",
    ),
    "login": ("Se connecter", "Log in"),
    "login_again": ("Se reconnecter", "Log in again"),
    "logged_out_title": ("Vous êtes déconnecté", "You are logged out"),
    "logged_out_text": (
        "Votre session est fermée. Le serveur d'identité ne garde pas de session : "
        "la prochaine connexion redemandera votre mot de passe.",
        "Your session is closed. The identity server keeps no session: the next login "
        "will ask for your password again.",
    ),
    "detail_state": (
        "La réponse du serveur d'identité ne correspond à aucune connexion en cours "
        "(lien ancien ou déjà utilisé).",
        "The identity server's answer matches no login in progress (an old link, or one "
        "already used).",
    ),
    "detail_issuer_error": (
        "Le serveur d'identité a refusé la connexion :",
        "The identity server refused the login:",
    ),
    "detail_token": (
        "Le jeton d'accès reçu n'a pas pu être vérifié.",
        "The access token received could not be verified.",
    ),
    "detail_issuer_down": (
        "Le serveur d'identité ne répond pas.",
        "The identity server does not answer.",
    ),
    "detail_no_node": (
        "Aucun nœud ne répond : impossible de savoir pour quels nœuds demander l'accès.",
        "No node answers: the console cannot tell which nodes to ask access for.",
    ),
    "detail_csrf": (
        "Le formulaire a expiré ; rechargez la page et recommencez.",
        "The form has expired; reload the page and try again.",
    ),
    # node problems
    "node_problems": ("Certains nœuds n'ont pas répondu", "Some nodes did not answer"),
    "node_unreachable": ("nœud injoignable", "node unreachable"),
    "node_refused": (
        "le nœud refuse le jeton de cette session ; reconnectez-vous",
        "the node refuses this session's token; log in again",
    ),
    "node_forbidden": (
        "le nœud refuse l'accès : ce compte n'y a pas le rôle DPD",
        "the node refuses access: this account lacks the DPO role there",
    ),
    "node_error": ("le nœud signale une erreur", "the node reports an error"),
    # home
    "home_title": ("Tableau de bord", "Dashboard"),
    "home_logged_in_as": ("Connecté en tant que", "Logged in as"),
    "home_nodes_caption": ("Les nœuds de l'espace de données", "The data space's nodes"),
    "home_help": (
        "Chaque nœud garde son propre journal chaîné ; la console les lit avec vos droits.",
        "Each node keeps its own hash-chained log; the console reads them with your rights.",
    ),
    "col_node": ("Nœud", "Node"),
    "col_title": ("Intitulé", "Title"),
    "col_entries": ("Entrées du journal", "Log entries"),
    "col_integrity": ("Intégrité du journal", "Log integrity"),
    "chain_ok": ("intacte", "intact"),
    "chain_broken": ("altérée", "altered"),
    "integrity_alert_title": ("Alerte : journal altéré", "Alert: a log was altered"),
    "integrity_alert": (
        "La chaîne du journal de {nodes} est rompue. Si des données personnelles peuvent être "
        "concernées, la CNIL doit être notifiée dans les 72 heures (RGPD art. 33) : "
        "« guichet audit notice --config <nœud>.toml » en prépare le projet ; voir la page "
        "Intégrité.",
        "The chain of {nodes}'s log is broken. If personal data may be concerned, the CNIL "
        "must be notified within 72 hours (GDPR Art. 33): `guichet audit notice --config "
        "<node>.toml` drafts it; see the Integrity page.",
    ),
    "chain_unknown": ("inconnue (nœud sans réponse)", "unknown (node not answering)"),
    # datasets
    "datasets_title": ("Jeux de données et politiques", "Datasets and policies"),
    "datasets_intro": (
        "Chaque jeu de données de chaque nœud, avec sa politique d'usage (ODRL) en phrases, "
        "le document JSON-LD appliqué et l'historique de ses versions.",
        "Every dataset of every node, with its usage policy (ODRL) in plain sentences, the "
        "JSON-LD document enforced and its version history.",
    ),
    "ds_publisher": ("Éditeur", "Publisher"),
    "ds_personal_data": ("Données personnelles", "Personal data"),
    "ds_policy": ("Politique", "Policy"),
    "ds_no_policy": ("aucune politique", "no policy"),
    "ds_policy_error": (
        "La politique n'a pas pu être chargée ; le nœud refuse tout accès à ce jeu :",
        "The policy could not be loaded; the node refuses all access to this dataset:",
    ),
    "ds_sentences": ("En clair", "In plain words"),
    "ds_no_sentences": ("Aucune règle.", "No rule."),
    "ds_jsonld": ("Politique JSON-LD", "JSON-LD policy"),
    "ds_versions": ("Versions de la politique", "Policy versions"),
    "ds_no_versions": ("Aucune version enregistrée.", "No version recorded."),
    "ds_version_document": ("Document de la version", "Document of version"),
    "ds_none": ("Ce nœud ne publie aucun jeu de données.", "This node publishes no dataset."),
    "col_version": ("Version", "Version"),
    "col_since": ("En vigueur depuis", "In force since"),
    "col_sha256": ("Empreinte SHA-256", "SHA-256 digest"),
    # the data space's catalog
    "catalog_title": ("Catalogue de l'espace de données", "The data space's catalog"),
    "catalog_intro": (
        "Les jeux de données de tous les nœuds, tels que leurs catalogues DCAT les décrivent, "
        "réunis par la passerelle : nœud, éditeur, thèmes, territoire et politique d'usage.",
        "The datasets of every node, as their DCAT catalogs describe them, gathered by the "
        "gateway: node, publisher, themes, area and usage policy.",
    ),
    "catalog_search": ("Rechercher", "Search"),
    "catalog_problems": ("Catalogue incomplet", "Incomplete catalog"),
    "catalog_summary": (
        "{shown} jeu(x) de données sur {total}.",
        "{shown} of {total} dataset(s).",
    ),
    "catalog_none": (
        "Aucun jeu de données ne répond à cette recherche.",
        "No dataset matches this search.",
    ),
    "f_words": ("Mots", "Words"),
    "f_publisher": ("Éditeur", "Publisher"),
    "f_theme": ("Thème", "Theme"),
    "f_commune": ("Commune", "Commune"),
    "any_publisher": ("Tous les éditeurs", "All publishers"),
    "any_theme": ("Tous les thèmes", "All themes"),
    "any_commune": ("Toutes les communes", "All communes"),
    "cat_iri": ("IRI", "IRI"),
    "cat_node": ("Nœud", "Node"),
    "cat_keywords": ("Mots-clés", "Keywords"),
    "cat_themes": ("Thèmes", "Themes"),
    "cat_areas": ("Territoire", "Area"),
    "cat_policy_error": (
        "La politique publiée n'a pas pu être lue :",
        "The published policy could not be read:",
    ),
    # register
    "register_title": ("Registre des activités de traitement", "Record of processing activities"),
    "register_intro": (
        "Pour chaque jeu contenant des données personnelles (RGPD, article 30) : finalités, "
        "base légale, catégories de données et de personnes, destinataires, durée de "
        "conservation, transferts et mesures de sécurité, tels que déclarés par chaque nœud.",
        "For each dataset holding personal data (GDPR, article 30): purposes, legal basis, "
        "categories of data and data subjects, recipients, retention, transfers and security "
        "measures, as declared by each node.",
    ),
    "register_caption": ("Traitements de données personnelles", "Personal-data processing"),
    "register_none": (
        "Aucun jeu de données personnelles déclaré.",
        "No personal-data dataset declared.",
    ),
    "col_dataset": ("Jeu de données", "Dataset"),
    "col_controller": ("Responsable de traitement", "Controller"),
    "col_purposes": ("Finalités", "Purposes"),
    "col_legal_basis": ("Base légale", "Legal basis"),
    "col_categories": ("Catégories de données", "Data categories"),
    "col_subjects": ("Personnes concernées", "Data subjects"),
    "col_recipients": ("Destinataires", "Recipients"),
    "col_retention": ("Conservation", "Retention"),
    "col_transfers": ("Transferts hors UE", "Transfers outside the EU"),
    "col_security": ("Mesures de sécurité", "Security measures"),
    "register_contacts": ("Contacts et droits des personnes", "Contacts and people's rights"),
    "register_platform": (
        "Traitements de la plateforme (journal d'audit de chaque nœud)",
        "The platform's own processing (each node's audit log)",
    ),
    "register_export": ("Exporter le registre (CSV)", "Export the register (CSV)"),
    "register_print": (
        "Pour une version imprimable, imprimez cette page (Ctrl+P).",
        "For a printable register, print this page (Ctrl+P).",
    ),
    "not_stated": ("non renseigné", "not stated"),
    "col_controller_contact": ("Coordonnées du responsable", "Controller's contact details"),
    "col_dpd_contact": ("Coordonnées du DPD", "DPD's contact details"),
    "col_rights": ("Exercice des droits", "Exercising one's rights"),
    "col_joint": ("Responsables conjoints", "Joint controllers"),
    "col_processors": ("Sous-traitants", "Processors"),
    "col_sources": ("Sources des données", "Data sources"),
    "col_dates": ("Création / mise à jour", "Created / updated"),
    "col_dpia": ("Analyse d'impact (AIPD)", "Impact assessment (DPIA)"),
    "retention_caption": (
        "Durées de conservation : données détenues au-delà de la durée déclarée",
        "Retention: data held beyond the declared period",
    ),
    "col_entity": ("Type d'entité", "Entity type"),
    "col_cutoff": ("Antérieures au", "Older than"),
    "col_state": ("État", "State"),
    "col_overdue": ("Lignes à effacer", "Rows to erase"),
    "col_oldest": ("Plus ancienne", "Oldest"),
    "retention_ok": ("à jour", "up to date"),
    "retention_overdue": ("dépassée", "overdue"),
    "retention_undated": ("non datée", "undated"),
    # integrity
    "integrity_title": ("Intégrité des journaux", "Integrity of the logs"),
    "integrity_intro": (
        "Chaque entrée du journal contient l'empreinte de la précédente : toute "
        "modification ou suppression casse la chaîne. Chaque nœud vérifie la sienne.",
        "Each log entry holds the digest of the previous one: any change or deletion breaks "
        "the chain. Each node verifies its own.",
    ),
    "integrity_caption": ("Vérification de la chaîne par nœud", "Chain check per node"),
    "col_status": ("État", "Status"),
    "col_head": ("Dernière entrée", "Last entry"),
    "col_bad_entry": ("Première entrée altérée", "First bad entry"),
    "col_problem": ("Problème", "Problem"),
    # what if
    "whatif_title": ("Et si… ? Simulation d'une décision", "What if? A decision, simulated"),
    "whatif_intro": (
        "Choisissez un participant, une finalité et un jeu de données : le nœud dit ce qu'il "
        "déciderait et pourquoi. C'est une simulation : elle ne compte pas comme un accès.",
        "Choose a party, a purpose and a dataset: the node says what it would decide and why. "
        "It is a dry run: it does not count as an access.",
    ),
    "whatif_legend": ("Demande simulée", "Simulated request"),
    "whatif_submit": ("Simuler", "Simulate"),
    "whatif_result": ("Décision :", "Decision:"),
    "whatif_dry_run": (
        "Simulation : aucun accès n'a eu lieu, aucun quota n'a été décompté.",
        "Dry run: no access took place, no quota was counted.",
    ),
    "no_purpose": ("Sans finalité déclarée", "No declared purpose"),
    "f_action": ("Action", "Action"),
    "f_level": ("Niveau d'agrégation", "Aggregation level"),
    "no_level": ("Aucun (données brutes)", "None (raw data)"),
    "level_PT1H": ("moyennes horaires", "hourly aggregates"),
    "level_P1D": ("moyennes journalières", "daily aggregates"),
    "level_P1M": ("moyennes mensuelles", "monthly aggregates"),
    "action_read": ("lire", "read"),
    "action_aggregate": ("agréger", "aggregate"),
    "action_derive": ("dériver (calcul)", "derive (computation)"),
}

MESSAGES |= LOG_MESSAGES | DPD_MESSAGES


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)``: the message in ``lang`` (French when ``lang`` is not known)."""
    index = LANGS.index(lang) if lang in LANGS else 0

    def t(key: str) -> str:
        return MESSAGES[key][index]

    return t
