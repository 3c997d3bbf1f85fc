"""Terms the node writes outside the GraphQL schema (catalog, audit export) are defined."""

from __future__ import annotations

import ontology
from connector.audit import GUI_TERMS

GUI = "https://w3id.org/guichet/ontology#"
CATALOG_TERMS = ("coversType", "coversProperty", "personalData", "policyError")


def test_audit_and_catalog_terms_are_in_the_ontology() -> None:
    defined = ontology.defined_terms()
    assert [t for t in (*GUI_TERMS, *CATALOG_TERMS) if GUI + t not in defined] == []
