"""A report whose stored file is missing: a 404 page that says so (not a 500), and to the bureau an
offer to render the year's reports again; others only learn that the file is not available."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.services import document_render
from reports.tests.conftest import centers, cycle, filings, people, simple_spec  # noqa: F401

pytestmark = pytest.mark.django_db


def test_missing_report_file_is_a_404_that_says_so_and_offers_rerendering(client, filings, people):  # noqa: F811
    document, _ = document_render(simple_spec(filings["朱家角镇"]))
    document.file.storage.delete(document.file.name)

    client.force_login(people["bureau"])
    response = client.get(reverse("reports:document_download", args=[document.pk]))
    assert response.status_code == 404
    text = response.content.decode()
    assert "报告文件缺失" in text and document.title in text
    assert reverse("reports:cycle_render", args=[document.cycle_id]) in text and "重新生成" in text

    client.force_login(people["director"])
    response = client.get(reverse("reports:document_download", args=[document.pk]))
    assert response.status_code == 404
    text = response.content.decode()
    assert "报告文件缺失" in text and "区民政局" in text
    assert reverse("reports:cycle_render", args=[document.cycle_id]) not in text


def test_outsider_gets_the_plain_404_not_the_missing_file_notice(client, filings, people):  # noqa: F811
    document, _ = document_render(simple_spec(filings["朱家角镇"]))
    document.file.storage.delete(document.file.name)
    client.force_login(people["other_director"])
    response = client.get(reverse("reports:document_download", args=[document.pk]))
    assert response.status_code == 404 and "报告文件缺失" not in response.content.decode()


def test_rendering_again_replaces_a_missing_file_even_when_the_data_is_unchanged(filings):  # noqa: F811
    document, _ = document_render(simple_spec(filings["朱家角镇"]))
    document.file.storage.delete(document.file.name)
    again, created = document_render(simple_spec(filings["朱家角镇"]))
    assert created and again.revision == document.revision + 1
    assert again.file.storage.exists(again.file.name)
    unchanged, created = document_render(simple_spec(filings["朱家角镇"]))
    assert not created and unchanged.pk == again.pk
