"""Every demo node's DSP catalog is valid against the protocol's schema, and lists exactly
the datasets whose policy file holds an odrl:Offer."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load_config
from connector.dsp.catalog import catalog_document
from connector.usage import load_policies
from tests.connector.dsp.test_catalog import valid

DEMO = Path(__file__).parents[3] / "connector" / "demo"


@pytest.mark.parametrize("node", ["cda", "atmo", "bouygues", "lagord", "bailleur"])
def test_demo_catalog_is_valid_and_lists_the_datasets_with_offers(node: str) -> None:
    config = load_config(DEMO / f"{node}.toml")
    catalog = valid("catalog/catalog-schema.json", catalog_document(config, load_policies(config)))
    # independently of the code: the datasets whose policy file says "Offer" as a type
    with_offers = set()
    for ds in config.datasets.values():
        text = ds.policy.read_text(encoding="utf-8") if ds.policy else ""
        if '"Offer"' in text or '"odrl:Offer"' in text:
            with_offers.add(ds.iri)
    assert {d["@id"] for d in catalog.get("dataset", [])} == with_offers
