"""The Dataspace Protocol's provider side as an outside connector reaches it: version
discovery, CatalogRequestMessage, DatasetRequestMessage. The requests are raw JSON written
from the 2025-1 specification; every message either way is checked against its schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from jsonschema import Draft201909Validator
from pyld import jsonld
from referencing.exceptions import Unresolvable

from connector.app import create_app
from connector.config import load_config
from connector.dsp.schemas import document_loader, problems, registry
from tests.connector.usage.conftest import BASE, DS, POLICIES, TableVerifier, write_node
from tests.connector.usage.conftest import P as PARTY
from tests.connector.usage.test_agreements import ENERGIE_WITH_OFFER, OFFER

pytestmark = pytest.mark.anyio

DSPACE = "https://w3id.org/dspace/2025/1/context.jsonld"
CATALOG_REQUEST = {"@context": [DSPACE], "@type": "CatalogRequestMessage"}
ODRL = "http://www.w3.org/ns/odrl/2/"

# The Offer of ENERGIE_WITH_OFFER as the protocol's ODRL context compacts it, by hand:
# "Offer", "assigner", "permission", "action", "constraint", "leftOperand", "operator",
# "rightOperand", "duty" are terms of that context; "read", "attribute", "elapsedTime" and
# "attributedParty" are not, so they keep the "odrl:" prefix; "lteq" is a term, and
# "operator" is @vocab-typed so it compacts to it; xsd is no prefix there, so the
# datatype is a full IRI; "target" is dropped (the schema forbids it inside a Dataset).
EXPECTED_OFFER = {
    "@id": OFFER,
    "@type": "Offer",
    "assigner": PARTY + "tiny",
    "permission": [
        {
            "action": "odrl:read",
            "constraint": [
                {
                    "leftOperand": "odrl:elapsedTime",
                    "operator": "lteq",
                    "rightOperand": {
                        "@value": "P30D",
                        "@type": "http://www.w3.org/2001/XMLSchema#duration",
                    },
                }
            ],
            "duty": [{"action": "odrl:attribute", "odrl:attributedParty": {"@id": PARTY + "tiny"}}],
        }
    ],
}


def valid(schema: str, message: Any) -> Any:
    found = problems(schema, message)
    assert not found, found
    return message


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = write_node(tmp_path, policies={**POLICIES, "energie": ENERGIE_WITH_OFFER})
    app = create_app(load_config(config), verifier=TableVerifier())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c
    await app.state.usage.audit.aclose()


async def test_version_endpoint_names_2025_1_at_dsp(client: httpx.AsyncClient) -> None:
    r = await client.get("/.well-known/dspace-version")
    assert r.status_code == 200
    assert valid("common/protocol-version-schema.json", r.json()) == {
        "protocolVersions": [{"version": "2025-1", "path": "/dsp", "binding": "HTTPS"}]
    }


async def test_catalog_lists_the_negotiable_dataset_with_its_offer(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/dsp/catalog/request",
        json=valid("catalog/catalog-request-message-schema.json", CATALOG_REQUEST),
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    catalog = valid("catalog/catalog-schema.json", r.json())
    assert catalog["participantId"] == PARTY + "tiny"
    # registre and mesures have only odrl:Set policies: nothing to negotiate, not listed
    assert [d["@id"] for d in catalog["dataset"]] == [DS + "energie"]
    (dataset,) = catalog["dataset"]
    assert dataset["hasPolicy"] == [EXPECTED_OFFER]
    assert dataset["distribution"][0]["accessService"]["endpointURL"] == BASE + "/graphql"


async def test_a_consumer_expanding_the_catalog_reads_the_same_offer(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/dsp/catalog/request", json=CATALOG_REQUEST)
    (catalog,) = jsonld.expand(r.json(), {"documentLoader": document_loader})
    assert catalog["@type"] == ["http://www.w3.org/ns/dcat#Catalog"]
    (dataset,) = catalog["http://www.w3.org/ns/dcat#dataset"]
    (offer,) = dataset[ODRL + "hasPolicy"]
    assert offer["@type"] == [ODRL + "Offer"]
    (permission,) = offer[ODRL + "permission"]
    assert permission[ODRL + "action"] == [{"@id": ODRL + "read"}]
    (constraint,) = permission[ODRL + "constraint"]
    assert constraint[ODRL + "leftOperand"] == [{"@id": ODRL + "elapsedTime"}]
    assert constraint[ODRL + "operator"] == [{"@id": ODRL + "lteq"}]


@pytest.mark.parametrize("name", [DS + "energie", "energie"])
async def test_dataset_by_iri_or_identifier(client: httpx.AsyncClient, name: str) -> None:
    r = await client.get(f"/dsp/catalog/datasets/{quote(name, safe='')}")
    assert r.status_code == 200, r.text
    dataset = valid("catalog/dataset-schema.json", r.json())
    assert dataset["@id"] == DS + "energie"
    assert dataset["hasPolicy"] == [EXPECTED_OFFER]


async def test_dataset_with_its_request_message_in_the_body(client: httpx.AsyncClient) -> None:
    message = {"@context": [DSPACE], "@type": "DatasetRequestMessage", "dataset": "energie"}
    valid("catalog/dataset-request-message-schema.json", message)
    r = await client.request("GET", "/dsp/catalog/datasets/energie", json=message)
    assert r.status_code == 200, r.text
    other = {**message, "dataset": "registre"}
    r = await client.request("GET", "/dsp/catalog/datasets/energie", json=other)
    assert r.status_code == 400
    assert (
        "the path for 'energie'"
        in valid("catalog/catalog-error-schema.json", r.json())["reason"][0]
    )


@pytest.mark.parametrize("name", ["registre", "nothing-here"])
async def test_a_dataset_not_offered_is_a_404_catalog_error(
    client: httpx.AsyncClient, name: str
) -> None:
    r = await client.get(f"/dsp/catalog/datasets/{name}")
    assert r.status_code == 404
    error = valid("catalog/catalog-error-schema.json", r.json())
    assert error["@type"] == "CatalogError" and error["code"] == "404"
    assert repr(name) in error["reason"][0]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"{not json", "the body is not JSON"),
        (
            b'{"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"]}',
            "'@type' is a required",
        ),
        (b'{"@type": "CatalogRequestMessage"}', "'@context' is a required"),
        (
            b'{"@context": ["https://example.org/ctx"], "@type": "CatalogRequestMessage"}',
            "@context",
        ),
        (
            b'{"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], '
            b'"@type": "DatasetRequestMessage"}',
            "@type",
        ),
        (b'["CatalogRequestMessage"]', "is not of type 'object'"),
        (
            b'{"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], '
            b'"@type": "CatalogRequestMessage", "filter": [{"q": "x"}]}',
            "supports no filter",
        ),
    ],
)
async def test_a_malformed_catalog_request_is_a_400_catalog_error(
    client: httpx.AsyncClient, body: bytes, where: str
) -> None:
    r = await client.post(
        "/dsp/catalog/request", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    error = valid("catalog/catalog-error-schema.json", r.json())
    assert error["code"] == "400"
    assert any(where in reason for reason in error["reason"]), error


async def test_tokens_are_verified_and_a_refused_one_is_a_catalog_error(
    client: httpx.AsyncClient,
) -> None:
    ok = await client.post(
        "/dsp/catalog/request", json=CATALOG_REQUEST, headers={"Authorization": "Bearer city"}
    )
    assert ok.status_code == 200
    r = await client.post(
        "/dsp/catalog/request", json=CATALOG_REQUEST, headers={"Authorization": "Bearer forged"}
    )
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    error = valid("catalog/catalog-error-schema.json", r.json())
    assert error["code"] == "401" and "forged" in error["reason"][0]


def test_schema_references_never_leave_the_package() -> None:
    # a schema that is not bundled: a $ref to it is unresolvable, never fetched
    schema = {"$ref": "https://w3id.org/dspace/2025/1/transfer/no-such-schema.json"}
    with pytest.raises(Unresolvable):
        Draft201909Validator(schema, registry=registry()).validate({})
