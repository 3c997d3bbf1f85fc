"""The in-memory data of the synthetic subgraphs, shared by the subgraphs and the tests.

Small on purpose: every expected answer in ``test_directives_vs_apollo.py`` is written by
hand from these rows. Two products share the SKU ``CHR`` (only the compound key ``sku
package`` tells them apart) and two warehouses share the id ``w1`` (only the nested key
``id organization { id }`` tells them apart).
"""

from __future__ import annotations

from typing import Any

USERS: list[dict[str, Any]] = [
    {"id": "u1", "email": "ada@example.org", "name": "Ada Lovelace", "password_hash": "x1"},
    {"id": "u2", "email": "alan@example.org", "name": "Alan Turing", "password_hash": "x2"},
]
ME = "u1"

# products' own rows; ``in_stock`` is products' stale copy, overridden by inventory.
PRODUCTS: list[dict[str, Any]] = [
    {"upc": "1", "sku": "TBL", "package": "flat", "name": "Table", "price": 899, "weight": 50},
    {"upc": "2", "sku": "CHR", "package": "box", "name": "Chair", "price": 54, "weight": 5},
    {"upc": "3", "sku": "CHR", "package": "flat", "name": "Flat chair", "price": 49, "weight": 4},
]
STALE_IN_STOCK = False
DIMENSIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("TBL", "flat"): {"size": "large", "weight": 50.0},
    ("CHR", "box"): {"size": "small", "weight": 5.0},
    ("CHR", "flat"): {"size": "small", "weight": 4.0},
}

# inventory's rows, by compound key (sku, package).
STOCK: dict[tuple[str, str], dict[str, Any]] = {
    ("TBL", "flat"): {"in_stock": True, "warehouse": ("w1", "o1")},
    ("CHR", "box"): {"in_stock": False, "warehouse": ("w2", "o1")},
    ("CHR", "flat"): {"in_stock": True, "warehouse": ("w1", "o2")},
}
FREE_SHIPPING_ABOVE = 500  # price above which shipping is free; else 2 days per 1 weight unit
WAREHOUSES: dict[tuple[str, str], dict[str, Any]] = {
    ("w1", "o1"): {"city": "Lyon", "manager": "ada@example.org"},
    ("w2", "o1"): {"city": "Nantes", "manager": "alan@example.org"},
    ("w1", "o2"): {"city": "Brest", "manager": "alan@example.org"},
}
PHONES = {("w1", "o1"): "+33 4 00 00 00 01", ("w1", "o2"): "+33 2 00 00 00 03"}  # w2: none

# reviews' rows; reviews keeps its own copy of each author's display name (@provides).
WAREHOUSE_RATINGS: dict[tuple[str, str], float] = {
    ("w1", "o1"): 4.5,
    ("w2", "o1"): 3.0,
    ("w1", "o2"): 5.0,
}
AUTHOR_NAMES = {"u1": "Ada L.", "u2": "Alan T."}
REVIEWS: list[dict[str, Any]] = [
    {"id": "r1", "body": "Sturdy", "stars": 5, "author": "u1", "upc": "1", "media": None},
    {"id": "r2", "body": "Wobbly", "stars": 2, "author": "u2", "upc": "2", "media": None},
    {"id": "r3", "body": "Fine", "stars": 4, "author": "u1", "upc": "2", "media": None},
    {"id": "r4", "body": "Classic", "stars": 5, "author": "u2", "upc": None, "media": "b1"},
    {"id": "r5", "body": "Long", "stars": 3, "author": "u1", "upc": None, "media": "b1"},
    {"id": "r6", "body": "Scary", "stars": 4, "author": "u1", "upc": None, "media": "m1"},
    {"id": "r7", "body": "Timeless", "stars": 5, "author": "u2", "upc": None, "media": "m1"},
]

# media's rows: an interface Media with two implementations.
MEDIA: list[dict[str, Any]] = [
    {"kind": "Book", "id": "b1", "title": "Dune", "author": "Frank Herbert"},
    {"kind": "Movie", "id": "m1", "title": "Alien", "minutes": 117},
    {"kind": "Book", "id": "b2", "title": "Emma", "author": "Jane Austen"},
]
HIGHLIGHTS = ["m1", "b2"]
