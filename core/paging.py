"""Pages of long ordered lists that cost the same on page 2,000 as on page 1.

Django's Paginator counts the rows, then asks for ``OFFSET n LIMIT 50`` of the full query: every
skipped row is built with all its joins and per-row subqueries (a "latest rating" subquery runs for
45,000 skipped rows on page 900), and a filtered list is scanned twice (count, then page).
``IdsFirstPaginator`` instead asks for the page's ids alone — an index-only walk of the ordering,
annotations left out — with the total in the same query (``COUNT(*) OVER ()``), then fetches the
full rows (joins, subqueries) for those ids only. A page past the end falls back to one count.
Views and DRF's pagination use it like Django's Paginator.

Two shapes of the ids query, measured at 100,000 organisations (benchmarks/pages_bench.py):

- a filtered list (a search, a supervisor's area) numbers and counts the matches in one query and
  cuts the page by number. With ``LIMIT 50`` PostgreSQL costs the query as if it could stop early
  and walks the ordering's index through every row with the filter (46 ms for a credit-code
  prefix); without it, it reads the matches from their index, sorts and counts them (3.8 ms);
- the whole table (the bureau's unfiltered list) is counted alone and its page read by the
  ordering's index: a window over 100,000 rows costs 26 ms, the count 7.5 ms and page 1 0.1 ms.
  ``OFFSET`` still walks the index to the page (5 ms to page 2,000), so a page in the second half is
  read from the other end: the reversed ordering with the offset counted from the end (the last page
  is ``LIMIT 50`` from the back, as cheap as page 1), its rows turned round. Only for an ordering
  that ends with the primary key — a total order, whose reverse is exactly the page backwards; the
  count, asked for anyway by the page's links, is then made first instead of last.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Count, Window

# The list's own SQL (its ORDER BY kept by the OFFSET 0 fence) numbered and counted, and the page cut
# by position, not by LIMIT: a LIMIT would let PostgreSQL plan the list for its first rows only.
_FENCED_PAGE = (
    "SELECT pk, total FROM ("
    "SELECT pk, COUNT(*) OVER () AS total, row_number() OVER () AS position FROM ({ordered} OFFSET 0) AS ordered(pk)"
    ") AS counted WHERE position > %s AND position <= %s ORDER BY position"
)


class IdsFirstPaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        super().__init__(
            object_list, per_page, orphans=0, allow_empty_first_page=allow_empty_first_page, **kwargs
        )

    def _page_ids(self, number: int) -> list[int]:
        bottom = (number - 1) * self.per_page
        if not self.object_list.query.where:
            ordered = self.object_list.values_list("pk", flat=True)
            if bottom and self._reversible() and bottom > self.count / 2:
                if bottom >= self.count:
                    return []  # past the end
                top = min(bottom + self.per_page, self.count)
                return list(ordered.reverse()[self.count - top : self.count - bottom])[::-1]
            return list(ordered[bottom : bottom + self.per_page])
        ordered = self.object_list.values_list("pk")
        if connections[ordered.db].vendor != "postgresql":
            return self._windowed_ids(ordered, bottom)
        try:
            sql, params = ordered.query.sql_with_params()
        except EmptyResultSet:
            return []
        with connections[ordered.db].cursor() as cursor:
            cursor.execute(_FENCED_PAGE.format(ordered=sql), [*params, bottom, bottom + self.per_page])
            rows = cursor.fetchall()
        if rows:
            self.__dict__["count"] = rows[0][1]  # Paginator.count is a cached_property
        return [pk for pk, _total in rows]

    def _reversible(self) -> bool:
        """Whether the list's ordering is total (it ends with the primary key), so that reading it
        backwards gives exactly its rows in reverse."""
        query = self.object_list.query
        order = query.order_by
        return (
            bool(order)
            and not query.extra_order_by
            and not query.distinct_fields
            and (
                isinstance(order[-1], str)
                and order[-1].lstrip("-") in ("pk", self.object_list.model._meta.pk.attname)
            )
        )

    def _windowed_ids(self, ordered, bottom: int) -> list[int]:
        """The same, for other databases: the total in the page's own query (SQLite plans it well)."""
        rows = list(
            ordered.annotate(_paging_total=Window(Count("*"))).values_list("pk", "_paging_total")[
                bottom : bottom + self.per_page
            ]
        )
        if rows:
            self.__dict__["count"] = rows[0][1]
        return [pk for pk, _total in rows]

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        ids = self._page_ids(number)
        if not ids:
            number = self.validate_number(number)  # one count: raises EmptyPage past the end
            if number > 1:
                ids = self._page_ids(number)
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids).order_by()} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

    def get_page(self, number):
        try:
            return self.page(number if number not in (None, "") else 1)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(max(1, self.num_pages))
