from collections.abc import Mapping

from rest_framework.exceptions import NotFound, ParseError

from core.permissions import ACTIONS_BY_METHOD, restrict

BODY_NOT_AN_OBJECT = '请求体应为一个 JSON 对象（形如 {"字段": 值}），请按接口文档修改后重试。'


class RestrictedQuerysetMixin:
    """DRF views: every queryset is narrowed by ``core.permissions.restrict`` for the request's method.

    Reads narrow by "view"; writes by "change". An object outside the narrowed set is a 404, and so is
    an id that is not a number (``/filings/null,null/``) — it names no object. A write whose body is
    not a JSON object (``[null, null]``, ``"text"``) is a 400 before any serializer or service sees it.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if lookup is not None and self.lookup_field in ("pk", "id") and not str(lookup).isdigit():
            raise NotFound()
        if request.method in ("POST", "PUT", "PATCH") and not isinstance(request.data, Mapping):
            raise ParseError(BODY_NOT_AN_OBJECT)

    def get_queryset(self):
        queryset = super().get_queryset()
        action = ACTIONS_BY_METHOD.get(self.request.method, "change")
        return restrict(queryset, self.request.user, action)
