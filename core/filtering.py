"""The portal's FilterSet: django-filter's, with a form that is cheap to draw on every list page.

- Its widgets are drawn by Django's own Jinja2 form templates, as every form's (``settings.FORM_RENDERER``,
  the same markup as the Django-template ones): Django's template engine draws a select through an
  include per option and another per option's attributes, 5.3 ms for the organisation filters,
  3.5 ms with Jinja2 (measured in-process with the benchmark's data).
- A choice list from a table (streets/towns, supervising units) is read as one plain query: Django
  iterates it with ``QuerySet.iterator()``, a server-side cursor on PostgreSQL — three round trips
  (DECLARE, FETCH, CLOSE) for a dozen rows.
"""

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoices(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class FilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.iterator = ListedChoices
                field.widget.choices = field.choices  # the widget took the iterator at init


class PortalFilterSet(django_filters.FilterSet):
    def get_form_class(self):
        form_class = super().get_form_class()
        return type(form_class.__name__, (FilterForm, form_class), {})
