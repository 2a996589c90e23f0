"""IdsFirstPaginator gives exactly Django's Paginator's pages, in fewer and cheaper queries."""

import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centers.models import SocialOrganization
from centers.tests import factories as f
from core.paging import IdsFirstPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisations():
    street = f.center_for("朱家角镇").street_town
    f.organizations(37, street_town_obj=street)
    f.organizations(30)  # outside the street
    # Same names: the order falls back on the primary key.
    SocialOrganization.objects.filter(
        pk__in=SocialOrganization.objects.order_by("pk").values("pk")[:6]
    ).update(name="同名社会组织")
    return street


def _lists(street):
    everything = SocialOrganization.objects.order_by("name", "pk")
    return {
        "whole table": everything,
        "whole table, by street then newest": SocialOrganization.objects.order_by("street_town__name", "-pk"),
        "one street": everything.filter(street_town=street),
        "a search": everything.filter(name__icontains="社会组织1"),
        "nothing": everything.none(),
        "no match": everything.filter(name="没有这个名称"),
    }


@pytest.mark.parametrize("per_page", [1, 7, 50])
def test_every_page_is_djangos_page(organisations, per_page):
    for label, queryset in _lists(organisations).items():
        django_pages = Paginator(queryset, per_page)
        ours = IdsFirstPaginator(queryset, per_page)
        for number in django_pages.page_range:
            expected = [o.pk for o in django_pages.page(number).object_list]
            page = IdsFirstPaginator(queryset, per_page).page(number)
            assert [o.pk for o in page.object_list] == expected, (label, number)
            assert page.paginator.count == django_pages.count, label
            assert page.paginator.num_pages == django_pages.num_pages, label
        assert ours.count == django_pages.count


def test_past_the_end_and_bad_numbers(organisations):
    queryset = _lists(organisations)["one street"]
    paginator = IdsFirstPaginator(queryset, 10)
    with pytest.raises(EmptyPage):
        paginator.page(5)
    with pytest.raises(EmptyPage):
        paginator.page(0)
    assert [o.pk for o in IdsFirstPaginator(queryset, 10).get_page(99).object_list] == [
        o.pk for o in Paginator(queryset, 10).page(4).object_list
    ]
    assert IdsFirstPaginator(queryset, 10).get_page("x").number == 1
    whole = _lists(organisations)["whole table"]  # read backwards past the middle: past the end too
    assert [o.pk for o in IdsFirstPaginator(whole, 10).get_page(99).object_list] == [
        o.pk for o in Paginator(whole, 10).page(7).object_list
    ]
    empty = IdsFirstPaginator(_lists(organisations)["no match"], 10).get_page(3)
    assert (empty.number, list(empty.object_list), empty.paginator.count) == (1, [], 0)


def test_a_filtered_page_and_its_total_take_one_query_then_the_rows_one_more(organisations):
    queryset = _lists(organisations)["one street"]
    with CaptureQueriesContext(connection) as ctx:
        page = IdsFirstPaginator(queryset, 10).page(4)
        assert len(page.object_list) == 7
        assert page.paginator.count == 37
    assert len(ctx.captured_queries) == 2


def test_the_whole_table_is_counted_alone_and_its_page_read_by_the_ordering(organisations):
    queryset = _lists(organisations)["whole table"]
    with CaptureQueriesContext(connection) as ctx:
        page = IdsFirstPaginator(queryset, 20).page(1)
        assert len(page.object_list) == 20
        assert page.paginator.count == 67
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 3
    assert "OVER" not in " ".join(sql)
    assert sql[0].endswith('ORDER BY "centers_socialorganization"."name" ASC, 1 ASC LIMIT 20')
    assert sql[2].startswith("SELECT COUNT(*)")


def test_a_page_in_the_second_half_is_read_from_the_end_without_an_offset(organisations):
    """The last page of 100,000 walked 99,950 index entries to its OFFSET; read backwards it is a
    LIMIT from the other end. Same three queries, the count first."""
    queryset = _lists(organisations)["whole table"]
    expected = [o.pk for o in Paginator(queryset, 20).page(4).object_list]
    with CaptureQueriesContext(connection) as ctx:
        page = IdsFirstPaginator(queryset, 20).page(4)
        assert [o.pk for o in page.object_list] == expected
        assert page.paginator.count == 67
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 3
    assert sql[0].startswith("SELECT COUNT(*)")
    assert sql[1].endswith('ORDER BY "centers_socialorganization"."name" DESC, 1 DESC LIMIT 7')
    with CaptureQueriesContext(connection) as ctx:
        IdsFirstPaginator(queryset, 20).page(3)  # rows 41-60 of 67: 7 from the end, then 20
    assert ctx.captured_queries[1]["sql"].endswith("DESC LIMIT 20 OFFSET 7")


def test_an_ordering_that_is_not_total_is_never_read_backwards(organisations):
    """Names tie (同名社会组织): without the primary key last, the reverse order of ties is not the
    forward order turned round, so such a list keeps its OFFSET."""
    queryset = SocialOrganization.objects.order_by("name")
    with CaptureQueriesContext(connection) as ctx:
        IdsFirstPaginator(queryset, 20).page(4)
    assert "DESC" not in " ".join(q["sql"] for q in ctx.captured_queries)
    assert ctx.captured_queries[0]["sql"].endswith("LIMIT 20 OFFSET 60")
