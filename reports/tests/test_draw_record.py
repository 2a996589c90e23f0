"""Issue 15 §3: the printable draw record (抽检记录) — the population, the centers named or excluded
with their reasons, the seed and its commitment, the sample with its auditors, signature boxes and the
文号 — for the bureau and the auditors of that year only (anyone else: 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEntry
from core.testing import make_user
from evaluations.models import Assignment, Draw

from .pdfcheck import embedded_cjk_fonts, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(published, centers):
    """The published 2025 cycle's draw, with one center excluded for a stated reason."""
    draw = Draw.objects.get(cycle=published)
    excluded = centers["白鹤镇"]
    draw.excluded = [{"id": excluded.pk, "name": excluded.name, "reason": "年内完成法人变更登记"}]
    draw.save(update_fields=["excluded"])
    return draw


def _pdf(client, cycle, tmp_path):
    response = client.get(reverse("reports:draw_record", args=[cycle.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "draw.pdf"
    path.write_bytes(response.content)
    return path


def test_the_bureau_prints_the_draw_record_with_everything_it_must_hold(
    client, people, published, drawn, pdf_tools, tmp_path
):
    client.force_login(people["bureau"])
    path = _pdf(client, published, tmp_path)
    text, flow = pdf_text(path), pdf_text(path, flow=True)
    assert "抽检记录" in text and "青民社评〔2025〕第 002 号" in text
    for entry in drawn.population:
        assert entry["name"].replace(" ", "") in flow, entry["name"]
    assert drawn.seed in flow
    assert "白鹤镇" in flow and "年内完成法人变更登记" in flow
    assignments = Assignment.objects.filter(cycle=published).select_related("filing__center", "auditor")
    assert assignments
    for a in assignments:
        assert f"{a.filing.center.name}{a.auditor.display_name}".replace(" ", "") in flow
    assert len(drawn.result) == assignments.count()
    for label in ("抽取人（签字）", "监督人（签字）", "日期"):
        assert label in text
    names = embedded_cjk_fonts(path)
    assert names and all(
        n.endswith(("+Noto-Sans-CJK-SC-Subset", "+Noto-Sans-CJK-SC-Subset-Bold")) for n in names
    )
    entry = AuditEntry.objects.filter(action="reports.draw_record.printed").latest("pk")
    assert entry.actor == people["bureau"]


def test_the_auditor_of_that_year_prints_it_and_finds_the_link_on_the_cycle_page(
    client, people, published, drawn, pdf_tools, tmp_path
):
    client.force_login(people["auditor"])
    page = client.get(reverse("evaluations:cycle_detail", args=[published.pk])).content.decode()
    assert reverse("reports:draw_record", args=[published.pk]) in page
    assert "打印 2025 年度抽检记录" in page
    assert "抽检记录" in pdf_text(_pdf(client, published, tmp_path))


@pytest.mark.parametrize("who", ["director", "other_director", "supervisor", "auditor_elsewhere"])
def test_anyone_else_gets_a_404_and_sees_no_link(client, people, published, drawn, who):
    from accounts.roles import Role

    user = make_user("aud_elsewhere", Role.AUDITOR) if who == "auditor_elsewhere" else people[who]
    client.force_login(user)
    assert client.get(reverse("reports:draw_record", args=[published.pk])).status_code == 404
    page = client.get(reverse("evaluations:cycle_detail", args=[published.pk]))
    if page.status_code == 200:
        assert reverse("reports:draw_record", args=[published.pk]) not in page.content.decode()


def test_a_year_not_drawn_has_no_record_and_the_signed_out_are_sent_to_log_in(client, people, cycle):
    client.force_login(people["bureau"])
    assert client.get(reverse("reports:draw_record", args=[cycle.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("reports:draw_record", args=[cycle.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
