"""The spot-check draw (抽检抽样): committed before, revealed at the draw, redone by anyone.

Current algorithm ``sha256-order-v2`` (``draw_sample``), written so that any language can redo it:

1. The population is every center in the cycle's scope, sorted by (street/town sort order, center
   name, center id). The sorted list, with each center's name and unified social credit code, is
   stored with the draw and published.
2. k = ceil(share × population size) (share = numerator / denominator, exact fractions).
3. The named centers (必检) are taken first; the excluded centers (each with a reason) and the named
   ones leave the pool.
4. Every center left in the pool gets the key SHA-256(seed + ":" + credit code) — the seed and the
   code as UTF-8 text, the digest written as 64 lower-case hexadecimal digits; the pool is ordered by
   that key, ascending (equal keys — two centers with the same code, or none — keep population
   order), and the first k − (number of named centers) are drawn.
5. The result is the named and the drawn centers, listed in population order.

The seed is made by the portal (``new_seed``: 128 random bits from ``secrets``, as 32 hexadecimal
digits) when the cycle enters spot check; only its SHA-256 (``commitment``) is published then, the
seed itself at the draw — so nobody can search for a convenient seed, and anyone can check the seed
against the commitment published before.

Or the seed is taken from a public source named in advance (``SeedSource.PUBLIC``), such as the
next day's published lottery number: the commitment is then SHA-256 of ``source_statement`` — the
source's description, a line feed, and the date it will be published (YYYY-MM-DD) — made before
that date; at the draw the bureau enters the published value, which becomes the seed (spaces
collapsed, ``public_seed``). Anyone can look the value up at its source and check both.

Old draws keep their algorithm: ``ceil-share-random-sample-v1`` (``draw_sample_v1``, Python's
``random.sample`` on an integer seed) stays for the records made with it; ``sample_for`` picks by the
version recorded on the draw. ``scripts/replay_draw.py`` is the same algorithm with the standard
library only, for someone who has just the published JSON file.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from fractions import Fraction

ALGORITHM = "sha256-order-v2"
ALGORITHM_V1 = "ceil-share-random-sample-v1"
ALGORITHMS = (ALGORITHM, ALGORITHM_V1)


def new_seed() -> str:
    """A fresh seed: 128 bits from the operating system's random source, as 32 hexadecimal digits."""
    return secrets.token_hex(16)


def commitment_of(seed: str) -> str:
    """The published commitment of a seed: SHA-256 of its UTF-8 text, lower-case hexadecimal."""
    return hashlib.sha256(str(seed).encode("utf-8")).hexdigest()


def source_statement(description: str, published_on) -> str:
    """The text a public source's commitment covers: its description, "\n", its publication date."""
    day = published_on.isoformat() if hasattr(published_on, "isoformat") else str(published_on)
    return f"{description.strip()}\n{day}"


def public_seed(value: str) -> str:
    """The seed taken from a public source's published value: its text with runs of spaces as one."""
    return " ".join(str(value).split())


def order_key(seed: str, credit_code: str) -> str:
    """A center's place in the draw: SHA-256(seed ‖ ":" ‖ credit code), lower-case hexadecimal."""
    return hashlib.sha256(f"{seed}:{credit_code}".encode()).hexdigest()


def sample_size(numerator: int, denominator: int, population_size: int) -> int:
    return math.ceil(Fraction(numerator, denominator) * population_size)


def draw_sample(
    *,
    population: list[dict],
    seed: str,
    numerator: int,
    denominator: int,
    must_include: list[int],
    excluded: list[int],
) -> list[int]:
    """The drawn center ids, in population order. ``population``: the sorted list of
    ``{"id", "credit_code", …}``; ``must_include`` and ``excluded``: center ids."""
    k = sample_size(numerator, denominator, len(population))
    named = set(must_include)
    out = named | set(excluded)
    pool = sorted(
        (c for c in population if c["id"] not in out),
        key=lambda c: order_key(seed, c.get("credit_code") or ""),
    )  # sorted() is stable: equal keys keep population order
    chosen = named | {c["id"] for c in pool[: max(0, k - len(named))]}
    return [c["id"] for c in population if c["id"] in chosen]


def draw_sample_v1(
    *,
    population: list[int],
    seed: int,
    numerator: int,
    denominator: int,
    must_include: list[int],
    excluded: list[int],
) -> list[int]:
    """The former algorithm, kept for the draws recorded with it (``ceil-share-random-sample-v1``):
    ``random.Random(seed).sample`` over the pool of center ids in population order."""
    k = sample_size(numerator, denominator, len(population))
    chosen = [c for c in population if c in set(must_include)]
    taken = set(chosen) | set(excluded)
    pool = [c for c in population if c not in taken]
    remaining = max(0, min(k - len(chosen), len(pool)))
    drawn = random.Random(seed).sample(pool, remaining)
    picked = set(chosen) | set(drawn)
    return [c for c in population if c in picked]


def sample_for(*, algorithm: str, population: list[dict], seed: str, **inputs) -> list[int]:
    """Re-run a recorded draw with the algorithm version it names."""
    if algorithm == ALGORITHM_V1:
        return draw_sample_v1(population=[c["id"] for c in population], seed=int(seed), **inputs)
    if algorithm == ALGORITHM:
        return draw_sample(population=population, seed=seed, **inputs)
    raise ValueError(f"unknown draw algorithm {algorithm!r}")


# What a page calls each version (no code names on a page).
ALGORITHM_LABELS = {
    ALGORITHM: "按 SHA-256 值排序抽取（第 2 版）",
    ALGORITHM_V1: "旧版随机抽取（第 1 版，2026 年以前的存档）",
}
