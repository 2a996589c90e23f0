"""``get_FOO_display()`` answers what Django's own answers, for every choice of every model."""

from django.apps import apps
from django.db import models
from django.utils import translation

from core.models import ChoiceLabels


def _choice_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices:
                yield model, field


def test_every_portal_model_with_choices_uses_the_cached_labels():
    ours = {"core", "accounts", "centers", "staffing", "evaluations", "reports", "activities", "disclosure"}
    missing = [
        model._meta.label
        for model, _field in _choice_fields()
        if model._meta.app_label in ours
        and not model.__name__.startswith("Historical")
        and not issubclass(model, ChoiceLabels)
    ]
    assert missing == []


def test_every_label_is_djangos_label():
    checked = 0
    for model, field in _choice_fields():
        if not issubclass(model, ChoiceLabels):
            continue
        instance = model()
        for value, label in [*field.flatchoices, ("没有这个值", None), (None, None)]:
            setattr(instance, field.attname, value)
            got = getattr(instance, f"get_{field.name}_display")()
            assert got == models.Model._get_FIELD_display(instance, field), (model, field.name, value)
            if label is not None:
                assert got == str(label) and isinstance(got, str)
            checked += 1
    assert checked > 100


def test_labels_follow_the_active_language():
    from centers.models import ServiceCenter

    center = ServiceCenter(level="street_town")
    assert center.get_level_display() == "街镇服务中心"
    with translation.override("en"):
        assert center.get_level_display() == models.Model._get_FIELD_display(
            center, ServiceCenter._meta.get_field("level")
        )
