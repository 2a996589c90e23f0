"""The portal's form renderer (``settings.FORM_RENDERER``)."""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template.exceptions import TemplateDoesNotExist


class PortalFormRenderer(Jinja2):
    """Django's own widgets drawn by their Jinja2 templates (the same markup as the Django-template ones,
    at about half the cost: Django's engine draws a select through an include per option and another per
    option's attributes); a widget that has only a Django template (the admin's) by Django's engine."""

    fallback = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
