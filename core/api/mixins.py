from core.permissions import ACTIONS_BY_METHOD, restrict


class RestrictedQuerysetMixin:
    """DRF views: every queryset is narrowed by ``core.permissions.restrict`` for the request's method.

    Reads narrow by "view"; writes by "change". An object outside the narrowed set is a 404.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        action = ACTIONS_BY_METHOD.get(self.request.method, "change")
        return restrict(queryset, self.request.user, action)
