"""Subgraph ``media``: an interface entity ``Media @key(fields: "id")`` with two
implementations (Book, Movie), and a union of them; ``reviews`` adds fields to ``Media``
as an @interfaceObject."""

from typing import Annotated, Any

import strawberry
from strawberry.federation import Schema

from tests.federation.synthetic.data import HIGHLIGHTS, MEDIA


@strawberry.federation.interface(keys=["id"])
class Media:
    id: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, id: str) -> "Media | None":
        return _media(id)


@strawberry.federation.type(keys=["id"])
class Book(Media):
    author: str

    @classmethod
    def resolve_reference(cls, id: str) -> "Media | None":
        return _media(id)


@strawberry.federation.type(keys=["id"])
class Movie(Media):
    minutes: int

    @classmethod
    def resolve_reference(cls, id: str) -> "Media | None":
        return _media(id)


def _media(id: str) -> Media | None:
    row: dict[str, Any] | None = next((m for m in MEDIA if m["id"] == id), None)
    if row is None:
        return None
    if row["kind"] == "Book":
        return Book(id=strawberry.ID(id), title=row["title"], author=row["author"])
    return Movie(id=strawberry.ID(id), title=row["title"], minutes=row["minutes"])


Highlight = Annotated[Book | Movie, strawberry.union("Highlight")]


@strawberry.type
class Query:
    @strawberry.field
    def media(self) -> list[Media]:
        return [m for m in (_media(r["id"]) for r in MEDIA) if m is not None]

    @strawberry.field
    def highlights(self) -> list[Highlight]:
        return [m for m in map(_media, HIGHLIGHTS) if isinstance(m, Book | Movie)]


schema = Schema(query=Query, types=[Book, Movie], federation_version="2.7")
