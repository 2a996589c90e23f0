"""The spot-check draw (抽检抽样): documented, seeded, reproducible.

Algorithm ``ceil-share-random-sample-v1``:
1. The population is every center in the cycle's scope, sorted by a stable key: (street/town sort
   order, center name, center id). The sorted list is stored with the draw.
2. k = ceil(share × population size) (share = numerator / denominator, exact fractions).
3. Centers the bureau must include are taken first; excluded centers (each with a reason) and the
   must-include ones leave the pool (kept in population order).
4. ``random.Random(seed).sample(pool, min(k − len(must_include), len(pool)))`` picks the rest
   (Python's Mersenne Twister, whose output for a given seed is stable across versions).
5. The result is the must-include centers followed by the drawn ones, sorted in population order.
Anyone can re-run it from the stored inputs (``draw_sample``) and compare.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

ALGORITHM = "ceil-share-random-sample-v1"


def sample_size(numerator: int, denominator: int, population_size: int) -> int:
    return math.ceil(Fraction(numerator, denominator) * population_size)


def draw_sample(
    *,
    population: list[int],
    seed: int,
    numerator: int,
    denominator: int,
    must_include: list[int],
    excluded: list[int],
) -> list[int]:
    """The drawn center ids, in population order. ``population`` is the sorted list of center ids."""
    k = sample_size(numerator, denominator, len(population))
    chosen = [c for c in population if c in set(must_include)]
    taken = set(chosen) | set(excluded)
    pool = [c for c in population if c not in taken]
    remaining = max(0, min(k - len(chosen), len(pool)))
    drawn = random.Random(seed).sample(pool, remaining)
    picked = set(chosen) | set(drawn)
    return [c for c in population if c in picked]
