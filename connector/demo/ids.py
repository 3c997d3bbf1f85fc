"""Identifiers of the demo data: RNB and BDNB building ids, UAI school codes.

>>> uai_check_letter("0750654")
'D'
"""

from __future__ import annotations

import random

from connector.rnb import RNB_ALPHABET, RNB_LENGTH

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
"""The 23 check letters of a UAI code (I, O and Q are not used): the letter of rank
``number mod 23`` (e.g. Lycée Henri-IV, 0750654D: 750654 mod 23 = 3, the fourth letter)."""

_BDNB_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def rnb_id(rng: random.Random) -> str:
    """A random canonical RNB id: 12 characters from the RNB alphabet."""
    return "".join(rng.choice(RNB_ALPHABET) for _ in range(RNB_LENGTH))


def bdnb_id(rng: random.Random) -> str:
    """A BDNB ``batiment_groupe_id``-shaped identifier (``bdnb-bg-XXXX-XXXX-XXXX``)."""
    groups = ("".join(rng.choice(_BDNB_ALPHABET) for _ in range(4)) for _ in range(3))
    return "bdnb-bg-" + "-".join(groups)


def uai_check_letter(number: str) -> str:
    """The check letter of a 7-digit UAI number."""
    if len(number) != 7 or not number.isdigit():
        raise ValueError(f"a UAI number has 7 digits, got {number!r}")
    return UAI_LETTERS[int(number) % 23]


def uai_code(number: str) -> str:
    """The full UAI code: 7 digits and their check letter."""
    return number + uai_check_letter(number)
