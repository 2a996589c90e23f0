from rest_framework.pagination import PageNumberPagination

from core.paging import IdsFirstPaginator


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class IdsFirstPagination(StandardPagination):
    """The page's ids first, then their rows (core.paging): deep pages cost what page 1 does."""

    django_paginator_class = IdsFirstPaginator
