"""Working aids (issue 15 §5): 初审通过 and 受理 ask for confirmation and take an optional comment (kept in
the filing's history and sent to the center); batch actions on the filing lists apply only where
every ticked filing allows them, in one transaction, one notice and one audit entry each."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.jobs import job_create  # noqa: F401  (the outbox the notices use)
from core.models import AuditEntry, Job
from evaluations import services
from evaluations.choices import FilingState
from evaluations.models import Filing, Notification
from evaluations.services.notifications import NOTIFY_KIND

from .conftest import TODAY, complete_filing, director_of, open_cycle

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def filed(people, centers):
    """2026 open: 朱家角镇 and 金泽镇 submitted, every other center still 填报中."""
    cycle = open_cycle(2026, people["bureau"])
    out = {"cycle": cycle}
    for key in ("zjj", "jz"):
        filing = complete_filing(Filing.objects.get(cycle=cycle, center=people[key]), people["bureau"])
        services.filing_submit(filing=filing, actor=director_of(filing.center), today=TODAY)
        out[key] = Filing.objects.get(pk=filing.pk)
    return {**people, **out}


def _entries(filing, action):
    return AuditEntry.objects.filter(object_id=str(filing.pk), action=action)


# ---- 1. confirmation and comment ----------------------------------------------------------------
def test_review_asks_first_and_the_comment_reaches_history_and_the_centers_notice(filed):
    zjj = filed["zjj"]
    supervisor = client_for(filed["supervisor"])
    detail = supervisor.get(reverse("evaluations:filing_detail", args=[zjj.pk])).content.decode()
    url = reverse("evaluations:filing_review", args=[zjj.pk])
    assert f'href="{url}"' in detail  # a link to the confirmation page, no one-click POST
    page = supervisor.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "确认初审通过" in html and 'name="comment"' in html
    assert Filing.objects.get(pk=zjj.pk).state == FilingState.SUBMITTED  # opening it changes nothing

    response = supervisor.post(url, {"comment": "材料齐全，同意报送"})
    assert response.status_code == 302
    zjj.refresh_from_db()
    assert zjj.state == FilingState.REVIEWED
    entry = _entries(zjj, "evaluations.filing.reviewed").get()
    assert entry.data["comment"] == "材料齐全，同意报送"
    note = Notification.objects.get(recipient=filed["director"], kind="filing_reviewed")
    assert "材料齐全，同意报送" in note.body and "已通过初审" in note.title
    job = Job.objects.filter(kind=NOTIFY_KIND).order_by("-created_at").first()
    assert note.pk in job.params["notifications"]  # its e-mail goes through the outbox
    history = client_for(filed["bureau"]).get(reverse("evaluations:filing_detail", args=[zjj.pk]))
    assert "意见：材料齐全，同意报送" in history.content.decode()


def test_accept_asks_first_the_comment_is_optional_and_a_long_one_is_refused(filed):
    zjj = filed["zjj"]
    services.filing_review(filing=zjj, actor=filed["supervisor"])
    bureau = client_for(filed["bureau"])
    url = reverse("evaluations:filing_accept", args=[zjj.pk])
    assert f'href="{url}"' in bureau.get(reverse("evaluations:filing_detail", args=[zjj.pk])).content.decode()
    assert "确认受理" in bureau.get(url).content.decode()
    refused = bureau.post(url, {"comment": "长" * 501})
    assert refused.status_code == 200 and "意见不超过 500 字" in refused.content.decode()
    assert Filing.objects.get(pk=zjj.pk).state == FilingState.REVIEWED
    assert bureau.post(url, {"comment": ""}).status_code == 302
    zjj.refresh_from_db()
    assert zjj.state == FilingState.ACCEPTED
    assert "comment" not in _entries(zjj, "evaluations.filing.accepted").get().data
    note = Notification.objects.get(recipient=filed["director"], kind="filing_accepted")
    assert "已由区民政局受理" in note.body and "意见" not in note.body


def test_the_confirmation_pages_are_refused_to_outsiders_and_change_nothing(filed):
    zjj = filed["zjj"]
    for role, name in [
        ("other_supervisor", "evaluations:filing_review"),
        ("director", "evaluations:filing_review"),
        ("director", "evaluations:filing_accept"),
        ("supervisor", "evaluations:filing_accept"),
        ("auditor", "evaluations:filing_review"),
    ]:
        client = client_for(filed[role])
        url = reverse(name, args=[zjj.pk])
        assert client.get(url).status_code == 404, (role, name)
        assert client.post(url, {"comment": "x"}).status_code == 404, (role, name)
    assert Filing.objects.get(pk=zjj.pk).state == FilingState.SUBMITTED
    assert not Notification.objects.filter(kind__in=["filing_reviewed", "filing_accepted"]).exists()


def test_a_confirmation_page_of_a_move_no_longer_open_says_so(filed):
    zjj = filed["zjj"]
    bureau = client_for(filed["bureau"])
    html = bureau.get(reverse("evaluations:filing_accept", args=[zjj.pk])).content.decode()
    assert "不能转为“已受理”" in html and "确认受理" not in html


# ---- 2. batch actions ---------------------------------------------------------------------------
def test_the_bureau_accepts_the_ticked_filings_after_confirming_one_notice_and_entry_each(filed):
    for key in ("zjj", "jz"):
        services.filing_review(filing=filed[key], actor=filed["bureau"])
    cycle, bureau = filed["cycle"], client_for(filed["bureau"])
    board = bureau.get(reverse("evaluations:cycle_board", args=[cycle.pk])).content.decode()
    assert "受理所选" in board and f'value="{filed["zjj"].pk}"' in board
    url = reverse("evaluations:batch_accept", args=[cycle.pk])
    ticked = {"filing": [filed["zjj"].pk, filed["jz"].pk]}
    step1 = bureau.post(url, ticked).content.decode()
    assert "确认受理这 2 份" in step1 and "朱家角镇" in step1 and "金泽镇" in step1
    assert Filing.objects.filter(cycle=cycle, state=FilingState.ACCEPTED).count() == 0  # a dry run
    assert not Notification.objects.filter(kind="filing_accepted").exists()

    response = bureau.post(url, {**ticked, "confirm": "1", "comment": "同意受理"})
    assert response.status_code == 302
    assert set(
        Filing.objects.filter(cycle=cycle, state=FilingState.ACCEPTED).values_list("pk", flat=True)
    ) == {
        filed["zjj"].pk,
        filed["jz"].pk,
    }
    for key, director in (("zjj", filed["director"]), ("jz", filed["other_director"])):
        assert _entries(filed[key], "evaluations.filing.accepted").count() == 1
        assert _entries(filed[key], "evaluations.filing.accepted").get().data["comment"] == "同意受理"
        notes = Notification.objects.filter(recipient=director, kind="filing_accepted")
        assert notes.count() == 1 and "同意受理" in notes.get().body
    assert "已受理 2 份填报" in bureau.get(response["Location"]).content.decode()


def test_a_batch_with_one_filing_that_does_not_allow_it_does_nothing_and_names_it(filed):
    services.filing_review(filing=filed["zjj"], actor=filed["bureau"])  # 金泽镇 not yet reviewed
    cycle, bureau = filed["cycle"], client_for(filed["bureau"])
    draft = Filing.objects.get(cycle=cycle, center__name__contains="练塘")
    url = reverse("evaluations:batch_accept", args=[cycle.pk])
    for body in (
        {"filing": [filed["zjj"].pk, filed["jz"].pk, draft.pk]},
        {"filing": [filed["zjj"].pk, filed["jz"].pk, draft.pk], "confirm": "1"},
    ):
        html = bureau.post(url, body).content.decode()
        assert "所选 3 份填报中有 2 份不能受理，因此全部未处理" in html
        refused = html[html.index('data-testid="batch-refused"') :]
        assert "金泽镇" in refused and "须经业务主管单位初审后才能受理" in refused
        assert "练塘镇" in refused and "填报中" in refused
        assert "朱家角镇" not in refused.split("</ul>")[0]
    assert Filing.objects.get(pk=filed["zjj"].pk).state == FilingState.REVIEWED
    assert not Notification.objects.filter(kind="filing_accepted").exists()
    assert not AuditEntry.objects.filter(action="evaluations.filing.accepted").exists()


def test_a_unit_passes_the_ticked_filings_of_its_own_centers_only(filed):
    supervisor = client_for(filed["supervisor"])
    url = reverse("evaluations:batch_review")
    assert "初审通过所选" in supervisor.get(reverse("evaluations:review_list")).content.decode()
    # another unit's filing among the ticked ones: a 404, nothing done
    assert (
        supervisor.post(url, {"filing": [filed["zjj"].pk, filed["jz"].pk], "confirm": "1"}).status_code == 404
    )
    assert (
        client_for(filed["other_supervisor"])
        .post(url, {"filing": [filed["zjj"].pk], "confirm": "1"})
        .status_code
        == 404
    )
    assert (
        client_for(filed["director"]).post(url, {"filing": [filed["zjj"].pk], "confirm": "1"}).status_code
        == 404
    )
    assert Filing.objects.filter(state=FilingState.REVIEWED).count() == 0
    assert not AuditEntry.objects.filter(action="evaluations.filing.reviewed").exists()

    response = supervisor.post(url, {"filing": [filed["zjj"].pk], "confirm": "1", "comment": "同意"})
    assert response.status_code == 302
    assert Filing.objects.get(pk=filed["zjj"].pk).state == FilingState.REVIEWED
    assert Filing.objects.get(pk=filed["jz"].pk).state == FilingState.SUBMITTED
    assert Notification.objects.filter(recipient=filed["director"], kind="filing_reviewed").count() == 1


def test_outsiders_cannot_batch_accept_or_remind(filed):
    cycle = filed["cycle"]
    services.filing_review(filing=filed["zjj"], actor=filed["bureau"])
    for role in ("director", "supervisor", "other_supervisor", "auditor"):
        client = client_for(filed[role])
        accept = client.post(
            reverse("evaluations:batch_accept", args=[cycle.pk]),
            {"filing": [filed["zjj"].pk], "confirm": "1"},
        )
        assert accept.status_code == 404, role
        remind = reverse("evaluations:batch_remind", args=[cycle.pk])
        assert client.get(remind).status_code == 404, role
        assert client.post(remind, {"confirm": "1"}).status_code == 404, role
    assert Filing.objects.get(pk=filed["zjj"].pk).state == FilingState.REVIEWED
    assert not Notification.objects.filter(kind__in=["filing_accepted", "filing_reminder"]).exists()


def test_the_bureau_reminds_every_center_that_has_not_submitted_once(filed):
    cycle, bureau = filed["cycle"], client_for(filed["bureau"])
    url = reverse("evaluations:batch_remind", args=[cycle.pk])
    assert f'href="{url}"' in bureau.get(reverse("evaluations:cycle_board", args=[cycle.pk])).content.decode()
    missing = Filing.objects.filter(cycle=cycle, state=FilingState.DRAFT).select_related("center")
    assert missing.count() == 9
    page = bureau.get(url).content.decode()
    assert "确认提醒这 9 个中心" in page and "朱家角镇" not in page
    unreachable = missing.get(center__name__contains="练塘")
    for filing in missing.exclude(pk=unreachable.pk):
        director_of(filing.center)  # every other center has a director to tell
    done = bureau.post(url, {"confirm": "1"}, follow=True).content.decode()
    assert "已提醒 8 个未提交的中心" in done
    assert "没有可接收通知的负责人账号" in done and unreachable.center.name in done
    for filing in missing.exclude(pk=unreachable.pk):
        notes = Notification.objects.filter(kind="filing_reminder", recipient__center=filing.center)
        assert notes.count() == 1 and filing.center.name in notes.get().body
    for filing in missing:
        assert _entries(filing, "evaluations.filing.reminded").count() == 1
    assert not Notification.objects.filter(kind="filing_reminder", recipient=filed["director"]).exists()
    # a second click the same day sends nothing again
    again = bureau.post(url, {"confirm": "1"}, follow=True).content.decode()
    assert "8 个中心今天已提醒过" in again
    assert Notification.objects.filter(kind="filing_reminder").count() == 8


def test_the_api_takes_the_same_optional_comment(filed):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(filed["supervisor"])
    zjj = filed["zjj"]
    refused = api.post(f"/api/v1/filings/{zjj.pk}/review/", {"comment": ["不是文字"]}, format="json")
    assert refused.status_code == 400 and Filing.objects.get(pk=zjj.pk).state == FilingState.SUBMITTED
    response = api.post(f"/api/v1/filings/{zjj.pk}/review/", {"comment": "接口意见"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == FilingState.REVIEWED
    assert _entries(zjj, "evaluations.filing.reviewed").get().data["comment"] == "接口意见"
    assert "接口意见" in Notification.objects.get(recipient=filed["director"], kind="filing_reviewed").body
    api.force_authenticate(filed["bureau"])
    assert api.post(f"/api/v1/filings/{zjj.pk}/accept/", {}, format="json").status_code == 200
    assert Filing.objects.get(pk=zjj.pk).state == FilingState.ACCEPTED
