"""Subgraph ``accounts``: users with two keys (``id`` and ``email``), an @inaccessible
field and @tag."""

from typing import Any, Optional

import strawberry
from strawberry.federation import Schema

from tests.federation.synthetic.data import ME, USERS


def _user(row: dict[str, Any] | None) -> Optional["User"]:
    if row is None:
        return None
    return User(
        id=strawberry.ID(row["id"]),
        email=row["email"],
        name=row["name"],
        password_hash=row["password_hash"],
    )


@strawberry.federation.type(keys=["id", "email"], tags=["people"])
class User:
    id: strawberry.ID
    email: str
    name: str = strawberry.federation.field(shareable=True, tags=["public"])
    password_hash: str = strawberry.federation.field(inaccessible=True)

    @classmethod
    def resolve_reference(cls, **key: Any) -> Optional["User"]:
        field = "id" if "id" in key else "email"
        return _user(next((u for u in USERS if u[field] == key[field]), None))


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> User | None:
        return _user(next(u for u in USERS if u["id"] == ME))

    @strawberry.field
    def users(self) -> list[User]:
        return [u for u in map(_user, USERS) if u is not None]


schema = Schema(query=Query, federation_version="2.7")
