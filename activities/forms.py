"""Forms parse and label input; the rules live in activities.services (errors come back from there)."""

from __future__ import annotations

from django import forms
from django.db.models import DateField, TextField
from django.forms import modelform_factory

from centers.choices import CenterLevel
from centers.models import ServiceCenter, SocialOrganization
from core.versioning import VersionedModelForm, VersionField

from .choices import ProjectStage
from .registers import Register
from .services import area_filter

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def register_form(register: Register, center, *, data=None, instance=None, follow_up_only=False):
    """The create/edit form of ``register`` for ``center``: choices narrowed to the center's area.
    ``follow_up_only`` (a row of a submitted year): every field but the follow-up is shown disabled."""
    widgets = {}
    for name in register.fields:
        model_field = register.field(name)
        if isinstance(model_field, DateField):
            widgets[name] = DATE_WIDGET
        elif isinstance(model_field, TextField):
            widgets[name] = forms.Textarea(attrs={"rows": 4})
        elif model_field.many_to_many:
            widgets[name] = forms.SelectMultiple(attrs={"size": 8})
    form_class = modelform_factory(
        register.model, form=VersionedModelForm, fields=register.fields, widgets=widgets
    )
    form = form_class(data=data, instance=instance)
    area = SocialOrganization.objects.filter(area_filter(center)).order_by("name")
    for name in register.fields:
        model_field = register.field(name)
        if model_field.related_model is SocialOrganization:
            form.fields[name].queryset = area
        elif model_field.related_model is ServiceCenter:
            form.fields[name].queryset = ServiceCenter.objects.filter(
                level=CenterLevel.STREET_TOWN, district_id=center.district_id
            ).exclude(pk=center.pk)
    if follow_up_only:
        for name in register.fields:
            if name not in register.follow_up:
                form.fields[name].disabled = True
    return form


class VersionOnlyForm(forms.Form):
    version = VersionField(required=True)


class AttachmentForm(forms.Form):
    file = forms.FileField(label="佐证材料", help_text="PDF、JPEG、PNG、DOCX、XLSX，经内容检查后保存")


class StageForm(forms.Form):
    stage = forms.ChoiceField(label="环节", choices=ProjectStage.choices)
    done_on = forms.DateField(label="日期", widget=DATE_WIDGET)
    result = forms.CharField(label="结果", max_length=300)
    document = forms.FileField(label="相关文件", required=False, help_text="可选：PDF、JPEG、PNG、DOCX、XLSX")


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
