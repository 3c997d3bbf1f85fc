"""Subgraph ``ratings``: adds ``reviews`` and ``averageRating`` to the interface entity
``Media`` of subgraph ``media`` without knowing its implementations (@interfaceObject),
and returns a ``Media`` whose concrete type only ``media`` knows (``topRated``)."""

from typing import Any

import strawberry
from strawberry.federation import Schema

from tests.federation.synthetic.data import REVIEWS


@strawberry.type
class Rating:
    stars: int
    body: str


def _stars(media_id: str) -> list[dict[str, Any]]:
    return [r for r in REVIEWS if r["media"] == media_id]


def _average(media_id: str) -> float | None:
    stars = [r["stars"] for r in _stars(media_id)]
    return sum(stars) / len(stars) if stars else None


@strawberry.federation.interface_object(keys=["id"])
class Media:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Rating]:
        return [Rating(stars=r["stars"], body=r["body"]) for r in _stars(self.id)]

    @strawberry.field
    def average_rating(self) -> float | None:
        return _average(self.id)

    @classmethod
    def resolve_reference(cls, id: str) -> "Media":
        return Media(id=strawberry.ID(id))


@strawberry.type
class Query:
    @strawberry.field
    def top_rated(self) -> Media | None:
        rated = sorted({r["media"] for r in REVIEWS if r["media"]})
        if not rated:
            return None
        best = max(rated, key=lambda m: _average(m) or 0.0)
        return Media(id=strawberry.ID(best))


schema = Schema(query=Query, federation_version="2.7")
