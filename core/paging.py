"""Pages of long ordered lists that cost the same on page 2,000 as on page 1.

Django's Paginator counts the rows, then asks for ``OFFSET n LIMIT 50`` of the full query: every
skipped row is built with all its joins and per-row subqueries (a "latest rating" subquery runs for
45,000 skipped rows on page 900), and a filtered list is scanned twice (count, then page).
``IdsFirstPaginator`` instead asks for the page's ids alone — an index-only walk of the ordering,
annotations left out — with the total in the same query (``COUNT(*) OVER ()``), then fetches the
full rows (joins, subqueries) for those ids only. A page past the end falls back to one count.
Views and DRF's pagination use it like Django's Paginator.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window


class IdsFirstPaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        super().__init__(
            object_list, per_page, orphans=0, allow_empty_first_page=allow_empty_first_page, **kwargs
        )

    def _page_ids(self, number: int) -> list[int]:
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(_paging_total=Window(Count("*"))).values_list("pk", "_paging_total")[
                bottom : bottom + self.per_page
            ]
        )
        if rows:
            self.__dict__["count"] = rows[0][1]  # Paginator.count is a cached_property
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
