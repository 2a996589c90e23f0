"""The list pages' filter forms (core.filtering) draw what Django's own renderer draws."""

import re

import pytest
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from centers.filtersets import CenterFilterSet, OrganizationFilterSet
from centers.models import ServiceCenter, SocialOrganization, StreetTown
from centers.tests import factories as f

pytestmark = pytest.mark.django_db


def _flat(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


@pytest.mark.parametrize(
    "filterset, model, query",
    [
        (CenterFilterSet, ServiceCenter, "level=street_town&q=朱家角"),
        (OrganizationFilterSet, SocialOrganization, "kind=2&status=active&registered_after=2020-01-01"),
        (OrganizationFilterSet, SocialOrganization, "registered_after=不是日期"),  # with its error
    ],
)
def test_the_filter_form_is_djangos_form(filterset, model, query):
    center = f.center_for("朱家角镇")
    data = QueryDict(f"{query}&street_town={center.street_town_id}")
    ours = filterset(data, queryset=model.objects.all()).form
    djangos = filterset(data, queryset=model.objects.all()).form
    djangos.renderer = DjangoTemplates()
    for field in djangos.fields.values():
        if hasattr(field, "queryset"):
            field.iterator = type(field).iterator
            field.widget.choices = field.choices
    assert _flat(ours.as_div()) == _flat(djangos.as_div())
    html = str(ours.as_div())
    assert f'<option value="{center.street_town_id}" selected>{center.street_town.name}</option>' in html
    assert StreetTown.objects.count() > 1 and html.count("<option") > StreetTown.objects.count()


def test_a_choice_list_is_one_plain_query(monkeypatch):
    """No server-side cursor (``QuerySet.iterator()``: DECLARE, FETCH, CLOSE) for a dozen rows."""
    f.center_for("朱家角镇")
    form = CenterFilterSet(QueryDict(""), queryset=ServiceCenter.objects.all()).form
    chunked = []
    monkeypatch.setattr(connection, "chunked_cursor", lambda: chunked.append(1) or connection.cursor())
    with CaptureQueriesContext(connection) as ctx:
        form.as_div()
    assert len(ctx.captured_queries) == 2  # the streets/towns, the supervising units
    assert chunked == []
