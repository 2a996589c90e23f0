"""The spot-check draw anyone can check: the seed is the portal's (never typed), its SHA-256 is public
before the draw, the record is public after it, and a script with only the standard library replays it."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ApplicationError
from evaluations import draw as draws
from evaluations import services
from evaluations.models import Draw, SeedCommitment

from .conftest import open_cycle, to_spot_check

pytestmark = pytest.mark.django_db

REPLAY = Path(__file__).resolve().parents[2] / "scripts" / "replay_draw.py"

# Ten centers, seed fixed: the sample is pinned as literal figures (not recomputed by the code).
GOLDEN_POPULATION = [{"id": i, "credit_code": f"5231011807000{i:04d}X"} for i in range(1, 11)]
GOLDEN_SEED = "3f2a9c0d5e6b7a8190abcdef12345678"


def test_golden_vector_pins_the_algorithm():
    # SHA-256 of UTF-8 text, lower-case hex (the FIPS 180-2 "abc" vector)
    assert draws.commitment_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    # the key is SHA-256(seed ‖ ":" ‖ credit code)
    assert draws.order_key(GOLDEN_SEED, "52310118070000010X").startswith("0075350f45b5")
    assert hashlib.sha256(f"{GOLDEN_SEED}:52310118070000010X".encode()).hexdigest() == draws.order_key(
        GOLDEN_SEED, "52310118070000010X"
    )
    # k = ceil(10/3) = 4: center 7 named, center 2 excluded, then 10, 9, 3 by ascending key
    sample = draws.draw_sample(
        population=GOLDEN_POPULATION,
        seed=GOLDEN_SEED,
        numerator=1,
        denominator=3,
        must_include=[7],
        excluded=[2],
    )
    assert sample == [3, 7, 9, 10]
    assert draws.sample_size(1, 3, 11) == 4 and draws.sample_size(1, 3, 300) == 100


# Fixed seeds (two of them once made by draws.new_seed()): collected alike by every test process.
@pytest.mark.parametrize(
    "seed",
    ["0", "1", "a" * 32, "c0ffee", "e1280e70e4a1988cfbd844ed13cf1f99", "7323b4cef09928e457080edee14628be"],
)
def test_every_seed_draws_k_distinct_centers_with_the_named_and_without_the_excluded(seed):
    sample = draws.draw_sample(
        population=GOLDEN_POPULATION,
        seed=seed,
        numerator=2,
        denominator=5,
        must_include=[4, 8],
        excluded=[1, 5],
    )
    assert len(sample) == len(set(sample)) == 4
    assert {4, 8} <= set(sample) and not {1, 5} & set(sample)
    assert sample == sorted(sample)  # listed in population order


def test_new_seeds_are_random_hex_and_never_repeat():
    seeds = {draws.new_seed() for _ in range(20)}
    assert len(seeds) == 20 and all(len(s) == 32 and int(s, 16) >= 0 for s in seeds)


def test_an_old_draw_stays_verifiable_with_its_own_algorithm(people, centers):
    cycle = open_cycle(2026, people["bureau"])
    population = [{"id": c.pk, "name": c.name} for c in centers]
    sample = draws.draw_sample_v1(
        population=[c["id"] for c in population],
        seed=20250101,
        numerator=1,
        denominator=3,
        must_include=[],
        excluded=[],
    )
    draw = Draw.objects.create(
        cycle=cycle,
        algorithm=draws.ALGORITHM_V1,
        seed="20250101",
        share_numerator=1,
        share_denominator=3,
        sample_size=4,
        population=population,
        result=[{"id": c, "name": ""} for c in sample],
    )
    assert services.draw_verify(draw) == (sample, True)
    draw.result = draw.result[:3] + [{"id": next(c["id"] for c in population if c["id"] not in sample)}]
    assert services.draw_verify(draw)[1] is False


def test_entering_spot_check_publishes_the_commitment_and_the_draw_reveals_its_seed(people, centers, client):
    cycle = open_cycle(2026, people["bureau"])
    assert client.get("/public/draws/2026/").status_code == 404  # nothing committed yet
    to_spot_check(cycle, people)
    commitment = SeedCommitment.objects.get(cycle=cycle)
    assert commitment.digest == hashlib.sha256(commitment.seed.encode()).hexdigest()
    # anonymous, before the draw: the commitment and its time, never the seed
    page = client.get("/public/draws/2026/")
    assert page.status_code == 200
    text = page.content.decode()
    assert commitment.digest in text and commitment.seed not in text and "尚未抽样，抽样时公开" in text
    record = client.get("/public/draws/2026.json").json()
    assert record["commitment"]["sha256"] == commitment.digest and record["seed"] is None
    assert commitment.seed not in json.dumps(record)
    assert 'href="/public/draws/2026/"' in client.get("/public/").content.decode()  # linked from 信息公开
    # the seed is not typed: the service, the page and the API refuse one
    with pytest.raises(ApplicationError, match="随机种子不能填写"):
        services.draw_create(cycle=cycle, actor=people["bureau"], seed="1")
    client.force_login(people["bureau"])
    url = reverse("evaluations:cycle_draw", args=[cycle.pk])
    refused = client.post(url, {"seed": "12345"}, follow=True)
    assert "随机种子由门户在考评进入“抽检中”时生成" in refused.content.decode()
    api = APIClient()
    api.force_authenticate(people["bureau"])
    answer = api.post("/api/v1/samples/", {"cycle": cycle.pk, "seed": "12345"}, format="json")
    assert answer.status_code == 400 and "seed" in answer.json()["error"]["fields"]
    assert not Draw.objects.exists()
    # the draw page has no seed field and says how the draw is done, in Chinese
    form = client.get(url).content.decode()
    assert 'name="seed"' not in form and commitment.digest in form
    assert "SHA-256" in form and "random" not in form.lower() and draws.ALGORITHM not in form
    # the draw (through the API) uses the committed seed, and the public record shows it
    made = api.post(
        "/api/v1/samples/",
        {
            "cycle": cycle.pk,
            "must_include": [people["zjj"].pk],
            "excluded": [{"center": people["jz"].pk, "reason": "上年度已抽检"}],
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["commitment"] == commitment.digest
    draw = Draw.objects.get(cycle=cycle)
    assert draw.seed == commitment.seed and draw.algorithm == draws.ALGORITHM
    assert services.draw_verify(draw) == ([c["id"] for c in draw.result], True)
    client.logout()
    record = client.get("/public/draws/2026.json").json()
    assert record["seed"] == commitment.seed and len(record["result"]) == 4
    assert record["excluded"][0]["reason"] == "上年度已抽检" and "金泽" in record["excluded"][0]["name"]
    assert "上年度已抽检" in client.get("/public/draws/2026/").content.decode()


def _replay(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", str(REPLAY), str(path)], capture_output=True, text=True, timeout=30
    )


def test_the_replay_script_reproduces_the_demo_draw_and_catches_an_altered_file(demo, client, tmp_path):
    answer = client.get("/public/draws/2025.json")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    record = answer.json()
    assert record["algorithm"] == draws.ALGORITHM  # the demo uses the current algorithm
    names = [c["name"] for c in record["population"]]
    assert len(names) == 11 and all(c["credit_code"] for c in record["population"])
    original = tmp_path / "draw-2025.json"
    original.write_bytes(answer.content)
    ok = _replay(original)
    assert ok.returncode == 0, ok.stderr
    assert "核对无误" in ok.stdout and all(c["name"] in ok.stdout for c in record["result"])

    # the result changed: one drawn center swapped for one not drawn
    drawn = {c["position"] for c in record["result"]}
    other = next(c for c in record["population"] if c["position"] not in drawn)
    changed = json.loads(answer.content)
    changed["result"][-1] = {k: other[k] for k in ("position", "name", "credit_code")}
    changed["result"].sort(key=lambda c: c["position"])
    (tmp_path / "changed.json").write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    bad = _replay(tmp_path / "changed.json")
    assert bad.returncode == 1 and "复算结果与记录的抽中名单不一致" in bad.stderr

    # another seed than the one committed before the draw
    reseeded = json.loads(answer.content)
    reseeded["seed"] = "0" * 32
    (tmp_path / "reseeded.json").write_text(json.dumps(reseeded, ensure_ascii=False), encoding="utf-8")
    bad = _replay(tmp_path / "reseeded.json")
    assert bad.returncode == 1 and "种子与抽样前公布的承诺值不符" in bad.stderr

    # the population taken out of street/town order
    shuffled = json.loads(answer.content)
    first, second = shuffled["population"][:2]
    shuffled["population"][:2] = [{**second, "position": 1}, {**first, "position": 2}]
    (tmp_path / "shuffled.json").write_text(json.dumps(shuffled, ensure_ascii=False), encoding="utf-8")
    bad = _replay(tmp_path / "shuffled.json")
    assert bad.returncode == 1 and "街镇排序" in bad.stderr


# ---- a seed taken from a public source named in advance -------------------------------------------
LOTTERY = "中国福利彩票双色球 2026140 期开奖号码"


def test_a_public_source_is_committed_before_its_value_is_published_and_the_draw_enters_the_value(
    people, centers, client, tmp_path
):
    from datetime import timedelta

    from django.utils import timezone

    bureau = people["bureau"]
    cycle = open_cycle(2026, bureau)
    today = timezone.localdate()
    # the close-filing confirmation names the source instead of a portal seed; a source already
    # published (today) could be chosen after the fact: refused, and nothing moved
    client.force_login(bureau)
    url = reverse("evaluations:cycle_close_filing", args=[cycle.pk])
    refused = client.post(
        url,
        {
            "reason": "测试：提前结束填报",
            "source": "public",
            "source_description": LOTTERY,
            "source_published_on": today.isoformat(),
        },
    )
    page = refused.content.decode()
    assert "公布日期须晚于今天" in page and LOTTERY in page  # the typed source is kept on the page
    cycle.refresh_from_db()
    assert cycle.state == "open" and not SeedCommitment.objects.exists()
    tomorrow = today + timedelta(days=1)
    done = client.post(
        url,
        {
            "reason": "测试：提前结束填报",
            "source": "public",
            "source_description": LOTTERY,
            "source_published_on": tomorrow.isoformat(),
        },
    )
    assert done.status_code == 302
    commitment = SeedCommitment.objects.get(cycle=cycle)
    statement = f"{LOTTERY}\n{tomorrow.isoformat()}"
    assert commitment.source == "public" and commitment.seed == ""
    assert commitment.digest == hashlib.sha256(statement.encode("utf-8")).hexdigest()
    # public, before the draw: the source, its date and the commitment over them
    client.logout()
    text = client.get("/public/draws/2026/").content.decode()
    assert LOTTERY in text and tomorrow.isoformat() in text and commitment.digest in text
    record = client.get("/public/draws/2026.json").json()
    assert record["seed_source"] == {
        "description": LOTTERY,
        "published_on": tomorrow.isoformat(),
        "statement": statement,
    }
    assert record["commitment"]["covers"] == "source" and record["seed"] is None
    # the value is not out yet: no draw
    with pytest.raises(ApplicationError, match="届时才能抽样"):
        services.draw_create(cycle=cycle, actor=bureau, source_value="01 02 03 04 05 06 07")
    # two days on (the commitment made the day before yesterday, for yesterday's draw of the lottery)
    yesterday = today - timedelta(days=1)
    SeedCommitment.objects.filter(pk=commitment.pk).update(
        committed_at=timezone.now() - timedelta(days=2),
        source_published_on=yesterday,
        digest=draws.commitment_of(draws.source_statement(LOTTERY, yesterday)),
    )
    with pytest.raises(ApplicationError, match="请填写公开来源公布的数值") as missing:
        services.draw_create(cycle=cycle, actor=bureau, source_value="  ")
    assert "source_value" in missing.value.fields
    api = APIClient()
    api.force_authenticate(bureau)
    answer = api.post("/api/v1/samples/", {"cycle": cycle.pk}, format="json")
    assert answer.status_code == 400 and "source_value" in answer.json()["error"]["fields"]
    client.force_login(bureau)
    draw_url = reverse("evaluations:cycle_draw", args=[cycle.pk])
    form = client.get(draw_url).content.decode()
    assert 'name="source_value"' in form and LOTTERY in form
    client.post(draw_url, {"source_value": "03  07 12 19 25 31   09"})
    draw = Draw.objects.get(cycle=cycle)
    assert draw.seed == "03 07 12 19 25 31 09"  # the value as published, spaces collapsed
    assert services.draw_verify(draw) == ([c["id"] for c in draw.result], True)
    assert len(draw.result) == 4
    # the API's sample says where its seed came from
    sample = api.get(f"/api/v1/samples/{draw.pk}/").json()
    assert sample["seed_source_description"] == LOTTERY
    assert sample["seed_source_published_on"] == yesterday.isoformat()
    # anyone replays it from the public file alone
    client.logout()
    answer = client.get("/public/draws/2026.json")
    assert answer.json()["seed"] == "03 07 12 19 25 31 09"
    assert "03 07 12 19 25 31 09" in client.get("/public/draws/2026/").content.decode()
    path = tmp_path / "draw-2026.json"
    path.write_bytes(answer.content)
    ok = _replay(path)
    assert ok.returncode == 0, ok.stderr
    assert "核对无误：公开来源与承诺值一致" in ok.stdout and LOTTERY in ok.stdout
    # the source switched after the fact (another issue of the lottery): caught
    switched = json.loads(answer.content)
    switched["seed_source"]["description"] = "中国福利彩票双色球 2026141 期开奖号码"
    (tmp_path / "switched.json").write_text(json.dumps(switched, ensure_ascii=False), encoding="utf-8")
    bad = _replay(tmp_path / "switched.json")
    assert bad.returncode == 1 and "公开来源的说明或公布日期与抽样前公布的承诺值不符" in bad.stderr
    # the draw dated before the source's value was out
    dated = json.loads(answer.content)
    dated["seed_source"]["published_on"] = (today + timedelta(days=5)).isoformat()
    (tmp_path / "dated.json").write_text(json.dumps(dated, ensure_ascii=False), encoding="utf-8")
    late = _replay(tmp_path / "dated.json")
    assert late.returncode == 1 and "抽样早于公开来源公布数值的日期" in late.stderr


def test_the_portal_seed_stays_the_default_when_no_source_is_named(people, centers, client):
    cycle = open_cycle(2026, people["bureau"])
    client.force_login(people["bureau"])
    page = client.get(reverse("evaluations:cycle_close_filing", args=[cycle.pk])).content.decode()
    assert "抽样种子来源" in page and "事先指定的公开来源" in page
    client.post(reverse("evaluations:cycle_close_filing", args=[cycle.pk]), {"reason": "测试：提前结束填报"})
    commitment = SeedCommitment.objects.get(cycle=cycle)
    assert commitment.source == "portal" and len(commitment.seed) == 32
    assert commitment.digest == hashlib.sha256(commitment.seed.encode()).hexdigest()
    assert client.get("/public/draws/2026.json").json()["seed_source"] is None
