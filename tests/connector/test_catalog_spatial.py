"""A dataset's areas (``spatial`` in its configuration) are its ``dct:spatial`` in the
node's catalog, which the gateway's catalog searches by commune."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load_config
from connector.errors import ConfigError
from connector.linked import catalog_document
from tests.connector.test_config import GOOD, PROCESSING, ROOT

AREA = "https://w3id.org/guichet/area/"


def test_the_demo_datasets_say_where_they_are() -> None:
    config = load_config(ROOT / "connector" / "demo" / "atmo.toml")
    doc = catalog_document(config, {})
    spatial = {d["@id"]: d.get("dcterms:spatial") for d in doc["dcat:dataset"]}
    assert spatial == {
        "https://guichet.agglo-larochelle.fr/datasets/atmo/mesures-salles": {
            "@id": AREA + "commune-17300"
        },
        "https://guichet.agglo-larochelle.fr/datasets/atmo/capteurs-salles": {
            "@id": AREA + "commune-17300"
        },
    }


@pytest.mark.parametrize("value", ['"17300"', '["17300"]', "[1]", '["area:commune-17300"]'])
def test_spatial_must_be_a_list_of_area_iris(tmp_path: Path, value: str) -> None:
    path = tmp_path / "node.toml"
    text = GOOD.replace("personal_data = true\n", f"personal_data = true\nspatial = {value}\n")
    path.write_text(text + PROCESSING, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [(i.key, i.message.split(",")[0]) for i in caught.value.issues] == [
        ("datasets.conso.spatial", "expected a list of area IRIs")
    ]
