"""Who may use each view: one declaration per view, read by people and by the permission-matrix test.

Every page, API view and viewset states, per kind of request, who may make it::

    @access(read=roles(Role.BUREAU) | in_scope(Role.DIRECTOR, Role.SUPERVISOR), write=in_scope(Role.DIRECTOR))
    def center_detail(request, pk): ...

    @access(read=PUBLIC)                 # no login (public disclosure, verification, health)
    @access(read=SIGNED_IN)              # any active signed-in user, seeing only their own things
    @access(read=roles(Role.BUREAU), write=roles(Role.BUREAU))   # named roles, every object
    @access(write=in_scope(Role.DIRECTOR))                        # POST only; GET is refused (405)

    @access(read=..., write=..., create=roles(Role.BUREAU))       # a DRF viewset: per action too
    class ServiceCenterViewSet(...): ...

Kinds of request: ``read`` is GET/HEAD/OPTIONS, ``write`` is POST/PUT/PATCH/DELETE; a viewset may
name its actions (``create``, ``destroy``, ``submit`` …) to differ from its read/write. A kind left
out accepts nobody: its methods are answered 405.

Audiences (combine with ``|``):

- ``PUBLIC`` — everyone, signed in or not.
- ``SIGNED_IN`` — any active signed-in user; the view shows each only their own things.
- ``OWN`` — any active signed-in user, on objects they themselves requested (a job).
- ``roles(*roles)`` — these roles, on every object of the kind (the bureau's model-wide grants).
- ``in_scope(*roles)`` — these roles, on objects within their scope only: a director's own center,
  a supervising unit's centers, an auditor's assigned filings. On a route without an object it
  means "these roles, each seeing their scope".

What the declaration enforces and what it does not. The decorator (for function views and Django
class views) and ``DeclaredAccess`` (the DRF permission class) do the one check that needs no data:
the method must be declared (else 405), an anonymous or deactivated user is sent to the login page
(the API answers 401/403 as DRF does), and a signed-in user whose role is not in the audience gets a
404 — never a 403 that would confirm the page exists. Whether *this* object is within the user's
scope stays where it was: ``core.permissions.restrict`` in the view and the checks in the services.
Superusers pass every role check (they act as bureau staff).

``tests/test_permission_matrix.py`` enumerates every URL pattern and every OpenAPI operation, runs
each method against eleven personas and checks the outcome against this declaration; a view without
one fails that test with a message saying how to declare it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import StrEnum

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from rest_framework.permissions import BasePermission

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Reach(StrEnum):
    EVERY = "every"  # every object of the kind
    SCOPE = "scope"  # only objects within the user's scope (own center, unit's centers, assigned)


@dataclass(frozen=True)
class Audience:
    """Who may make one kind of request. Immutable; combine with ``|``."""

    public: bool = False
    signed_in: bool = False
    own: bool = False
    grants: frozenset[tuple[str, Reach]] = field(default_factory=frozenset)

    def __or__(self, other: Audience) -> Audience:
        return Audience(
            public=self.public or other.public,
            signed_in=self.signed_in or other.signed_in,
            own=self.own or other.own,
            grants=self.grants | other.grants,
        )

    @property
    def is_nobody(self) -> bool:
        return not (self.public or self.signed_in or self.own or self.grants)

    def role_names(self) -> frozenset[str]:
        return frozenset(role for role, _reach in self.grants)

    def reach_of(self, role: str) -> Reach | None:
        """EVERY if the role reaches every object, SCOPE if only its scope, None if not at all."""
        reaches = {reach for r, reach in self.grants if r == role}
        if Reach.EVERY in reaches:
            return Reach.EVERY
        return Reach.SCOPE if reaches else None

    def admits_role(self, user) -> bool:
        """The data-free part: may this signed-in user make the request at all?"""
        if self.public or self.signed_in or self.own:
            return True
        if user.is_superuser:
            return not self.is_nobody
        return user.role in self.role_names()

    def __str__(self) -> str:
        if self.is_nobody:
            return "NOBODY"
        parts = []
        if self.public:
            parts.append("PUBLIC")
        if self.signed_in:
            parts.append("SIGNED_IN")
        if self.own:
            parts.append("OWN")
        every = sorted(r for r, reach in self.grants if reach == Reach.EVERY)
        scope = sorted(r for r, reach in self.grants if reach == Reach.SCOPE)
        if every:
            parts.append(f"roles({', '.join(every)})")
        if scope:
            parts.append(f"in_scope({', '.join(scope)})")
        return " | ".join(parts)


NOBODY = Audience()
PUBLIC = Audience(public=True)
SIGNED_IN = Audience(signed_in=True)
OWN = Audience(own=True)


def roles(*names: str) -> Audience:
    return Audience(grants=frozenset((str(name), Reach.EVERY) for name in names))


def in_scope(*names: str) -> Audience:
    return Audience(grants=frozenset((str(name), Reach.SCOPE) for name in names))


@dataclass(frozen=True)
class Access:
    """A view's declaration: an audience per kind of request (read, write, or a viewset action)."""

    read: Audience = NOBODY
    write: Audience = NOBODY
    actions: dict[str, Audience] = field(default_factory=dict)

    def audience(self, method: str, action: str | None = None) -> Audience:
        if action and action in self.actions:
            return self.actions[action]
        method = method.upper()
        if method in READ_METHODS:
            return self.read
        if method in WRITE_METHODS:
            return self.write
        return NOBODY

    def allowed_methods(self) -> list[str]:
        methods = []
        if not self.read.is_nobody:
            methods += ["GET", "HEAD", "OPTIONS"]
        if not self.write.is_nobody:
            methods += ["POST", "PUT", "PATCH", "DELETE"]
        return methods

    def refusal(self, request):
        """None when the request may go on to the view; else the response (or raises Http404)."""
        audience = self.audience(request.method)
        if audience.is_nobody:
            return HttpResponseNotAllowed(self.allowed_methods())
        if audience.public:
            return None
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path())
        if not audience.admits_role(user):
            raise Http404("未找到该页面，或您无权访问。")
        return None


def access(
    *,
    read: Audience = NOBODY,
    write: Audience = NOBODY,
    **actions: Audience,
):
    """Declare who may use a view (function view, Django class view or DRF view/viewset)."""
    declaration = Access(read=read, write=write, actions=dict(actions))

    def decorate(target):
        if isinstance(target, type):
            target.access = declaration
            from rest_framework.views import APIView

            if not issubclass(target, APIView):  # DRF views are gated by DeclaredAccess
                original = target.dispatch

                @functools.wraps(original)
                def dispatch(self, request, *args, **kwargs):
                    refused = declaration.refusal(request)
                    if refused is not None:
                        return refused
                    return original(self, request, *args, **kwargs)

                target.dispatch = dispatch
            return target

        @functools.wraps(target)
        def view(request, *args, **kwargs):
            refused = declaration.refusal(request)
            if refused is not None:
                return refused
            return target(request, *args, **kwargs)

        view.access = declaration
        return view

    return decorate


def declaration_of(callback, namespace: str = "") -> Access | None:
    """The declaration behind a URL pattern's callback (function, ``as_view()`` or DRF viewset)."""
    root = namespace.split(":", 1)[0]
    if root in NAMESPACE_DECLARATIONS:
        return NAMESPACE_DECLARATIONS[root]
    for candidate in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        found = getattr(candidate, "access", None) if candidate is not None else None
        if isinstance(found, Access):
            return found
    return None


class DeclaredAccess(BasePermission):
    """DRF side of the declaration: anonymous → 401/403 (as DRF answers), a signed-in user whose role
    is not in the audience → 404. Views without a declaration pass here (the matrix test fails them)."""

    def has_permission(self, request, view) -> bool:
        declaration = getattr(view, "access", None)
        if not isinstance(declaration, Access):
            return True
        audience = declaration.audience(request.method, getattr(view, "action", None))
        if audience.is_nobody:
            from rest_framework.exceptions import MethodNotAllowed

            raise MethodNotAllowed(request.method)
        if audience.public:
            return True
        user = request.user
        if not user or not user.is_authenticated or not user.is_active:
            return False
        if not audience.admits_role(user):
            raise Http404
        return True


# ---- The audiences most views use (the roles are accounts.roles.Role) ----------------------------------
def _role(name: str) -> str:
    from accounts.roles import Role

    return Role(name).value


BUREAU = roles(_role("bureau"))
"""Bureau staff only (model-wide grants)."""
TAKING_PART = roles(_role("bureau"), _role("director"), _role("supervisor"), _role("auditor"))
"""Everyone who takes part in the evaluation (the cycle and its rubric are the same for all of them)."""
CENTER_READERS = BUREAU | in_scope(_role("director"), _role("supervisor"))
"""A center and its registers: the bureau, the center's own people and its supervising unit."""
CENTER_EDITORS = BUREAU | in_scope(_role("director"))
"""Changing a center's registers: the bureau and the center's own people."""
FILING_READERS = BUREAU | in_scope(_role("director"), _role("supervisor"), _role("auditor"))
"""A filing: the bureau, the center's people, its supervising unit, the auditor assigned to it."""


ADMIN_SITE = Access(read=roles(_role("bureau")), write=roles(_role("bureau")))
"""The Django admin (all of ``admin:``): Django's own login and model permissions decide inside it; a
user who is not staff is sent to the admin's login page. Staff are the bureau and superusers."""

NAMESPACE_DECLARATIONS: dict[str, Access] = {"admin": ADMIN_SITE}
"""Whole URL namespaces declared at once (views that are not ours to decorate)."""
