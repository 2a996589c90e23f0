"""Every form is drawn by Django's Jinja2 form templates (settings.FORM_RENDERER): the pages with forms
read as with Django's own template renderer (the same markup, but for the line breaks between tags), for
each kind of widget the portal uses."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from core.models import PolicyParameter
from core.testing import make_user
from evaluations.tests.test_pages import client_for, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

# the values drawn afresh on each request: the CSRF token, a create form's idempotency key
FRESH = re.compile(r'(name="(?:csrfmiddlewaretoken|idempotency_key)" value=")[^"]*"')


def _page(client, url, settings, renderer):
    settings.FORM_RENDERER = renderer
    response = client.get(url)
    assert response.status_code == 200, url
    html = FRESH.sub(r'\1…"', response.content.decode())
    # the two engines' widget templates differ in line breaks between tags, nothing else
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _urls(world):  # noqa: F811
    zjj, filing = world["zjj"], world["zjj26"]
    return {
        "bureau": [
            reverse("centers:center_edit", args=[zjj.pk]),
            reverse("centers:record_create", args=[zjj.pk, "venue"]),
            reverse("centers:organization_create"),
            reverse("centers:organization_list") + "?kind=2&registered_after=不是日期",
            reverse("staffing:member_create", args=[zjj.pk]),
            reverse("staffing:roster", args=[zjj.pk]),
            reverse("evaluations:cycle_create"),
            reverse("evaluations:filing_edit", args=[filing.pk]),
            # the admin's date widget has Django templates only: drawn by Django's engine
            reverse(
                "admin:core_policyparameter_change",
                args=[PolicyParameter.objects.get(key="venue_min_area").pk],
            ),
        ],
        "director": [reverse("evaluations:self_assessment", args=[filing.pk])],
        "account_admin": [reverse("accounts:two_factor")],  # their first page: setting up two-factor sign-in
        None: [reverse("accounts:login")],
    }


def test_pages_with_forms_read_as_with_djangos_template_renderer(world, settings):  # noqa: F811
    world["account_admin"] = make_user("t_account_admin", Role.ACCOUNT_ADMIN)
    assert settings.FORM_RENDERER == "core.forms_renderer.PortalFormRenderer"
    checked = 0
    for role, urls in _urls(world).items():
        client = client_for(world[role]) if role else Client()
        client.get("/")  # the one-time notices after signing in are shown here, not on the pages compared
        for url in urls:
            jinja = _page(client, url, settings, "core.forms_renderer.PortalFormRenderer")
            django = _page(client, url, settings, "django.forms.renderers.DjangoTemplates")
            assert jinja == django, url
            assert "<input" in jinja or "<select" in jinja, url
            assert ("vDateField" in jinja) == url.startswith("/admin/"), url  # the admin's own widget
            checked += 1
    assert checked == 12
