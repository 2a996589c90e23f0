#!/usr/bin/env python3
"""Replay a published spot-check draw from its JSON record alone (standard library only).

    python3 scripts/replay_draw.py draw-2025.json

The file is the one the portal publishes at /public/draws/<year>.json. The script checks that
SHA-256(seed) equals the commitment published before the draw (or, when the seed was taken from a
public source named in advance, that SHA-256(description + "\n" + publication date) equals it, that
the commitment came before that date and the draw on or after it), that the population is in
street/town order, redoes the draw (the method printed on the public page) and compares the sample
with the recorded result. Exit status 0 only when everything agrees; 1 (with the reason) otherwise;
2 when the file cannot be read.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
from fractions import Fraction

ALGORITHM = "sha256-order-v2"
ALGORITHM_V1 = "ceil-share-random-sample-v1"


def order_key(seed: str, credit_code: str) -> str:
    return hashlib.sha256(f"{seed}:{credit_code}".encode()).hexdigest()


def _public_source_problems(record: dict, commitment: dict, source: dict, seed: str) -> list[str]:
    """A seed taken from a public source: the commitment covers its description and date, was made
    before that date, and the draw came on or after it (the value itself: look it up at the source)."""
    problems = []
    statement = f"{source['description'].strip()}\n{source['published_on']}"
    digest = hashlib.sha256(statement.encode("utf-8")).hexdigest()
    if digest != commitment["sha256"]:
        problems.append(
            f"公开来源的说明或公布日期与抽样前公布的承诺值不符：SHA-256 = {digest}，承诺值为 {commitment['sha256']}。"
        )
    if commitment["published_at"][:10] >= source["published_on"]:
        problems.append("承诺值不是在公开来源公布数值之前公布的。")
    if (record.get("drawn_at") or "")[:10] < source["published_on"]:
        problems.append("抽样早于公开来源公布数值的日期。")
    if " ".join(str(seed).split()) != seed:
        problems.append("种子不是公开来源数值的规范写法（连续空格应合为一个）。")
    return problems


def replay(record: dict) -> tuple[list[int], list[str]]:
    """The positions drawn (in population order) and the problems found in the record."""
    problems: list[str] = []
    population = record["population"]
    positions = [c["position"] for c in population]
    if positions != list(range(1, len(population) + 1)):
        problems.append("抽样总体的序号不连续，名单被改动过。")
    if all(c.get("street_town_order") is not None for c in population):
        ordered = sorted(population, key=lambda c: (c["street_town_order"], c["name"]))
        if [c["name"] for c in ordered] != [c["name"] for c in population]:
            problems.append("抽样总体没有按“街镇排序、中心名称”排列，名单被改动过。")
    seed = record.get("seed")
    if not seed:
        raise SystemExit("该记录尚未抽样（没有种子），无法复算。")
    commitment = record.get("commitment")
    source = record.get("seed_source")
    if commitment and source:
        problems.extend(_public_source_problems(record, commitment, source, seed))
    elif commitment:
        digest = hashlib.sha256(str(seed).encode("utf-8")).hexdigest()
        if digest != commitment["sha256"]:
            problems.append(
                f"种子与抽样前公布的承诺值不符：SHA-256(种子) = {digest}，承诺值为 {commitment['sha256']}。"
            )
    k = math.ceil(Fraction(record["share"]["numerator"], record["share"]["denominator"]) * len(population))
    if k != record["sample_size"]:
        problems.append(f"抽检数量应为 {k} 个，记录为 {record['sample_size']} 个。")
    named = {c["position"] for c in record["must_include"]}
    excluded = {c["position"] for c in record["excluded"]}
    if record["algorithm"] == ALGORITHM:
        pool = sorted(
            (c for c in population if c["position"] not in named | excluded),
            key=lambda c: order_key(seed, c.get("credit_code") or ""),
        )
        drawn = {c["position"] for c in pool[: max(0, k - len(named))]}
    elif record["algorithm"] == ALGORITHM_V1:
        pool = [p for p in positions if p not in named | excluded]
        drawn = set(random.Random(int(seed)).sample(pool, max(0, min(k - len(named), len(pool)))))
    else:
        raise SystemExit(f"不认识的抽样方法：{record['algorithm']}")
    return [p for p in positions if p in named | drawn], problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("用法：python3 scripts/replay_draw.py 抽样记录.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            record = json.load(handle)
        sample, problems = replay(record)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"无法读取抽样记录：{exc}", file=sys.stderr)
        return 2
    names = {c["position"]: c["name"] for c in record["population"]}
    print(f"{record.get('title', '抽检抽样记录')}")
    print(f"随机种子：{record['seed']}")
    if record.get("seed_source"):
        source = record["seed_source"]
        print(f"种子来源：{source['description']}（{source['published_on']} 公布），请到该来源核对数值")
    if record.get("commitment"):
        print(f"承诺值：{record['commitment']['sha256']}（{record['commitment']['published_at']} 公布）")
    print(f"复算抽中 {len(sample)} 个中心：")
    for position in sample:
        print(f"  {position}. {names[position]}")
    recorded = [c["position"] for c in record["result"]]
    if sample != recorded:
        problems.append(
            "复算结果与记录的抽中名单不一致：记录为 "
            + "、".join(names.get(p, str(p)) for p in recorded)
            + "。"
        )
    if problems:
        for problem in problems:
            print(f"不一致：{problem}", file=sys.stderr)
        return 1
    if record.get("seed_source"):
        print("核对无误：公开来源与承诺值一致，复算结果与记录的抽中名单相同。")
    else:
        print("核对无误：种子与承诺值一致，复算结果与记录的抽中名单相同。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
