"""core.api.fields: the planned representation and the label field answer exactly as DRF does."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from centers.api.serializers import SocialOrganizationSerializer
from centers.models import SocialOrganization
from centers.tests.factories import organizations
from core.api.fields import LabelField, PlannedRepresentation
from evaluations.api.serializers import FilingListSerializer, FilingSerializer
from evaluations.choices import FilingState
from evaluations.models import Filing
from evaluations.tests.test_pages import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _drf(serializer, instance):
    """What DRF's own Serializer.to_representation answers for this row."""
    return serializers.Serializer.to_representation(serializer, instance)


def _request(user):
    request = APIRequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize("serializer_class", [FilingSerializer, FilingListSerializer])
def test_a_planned_row_equals_drfs_with_values_set_and_missing(world, serializer_class):  # noqa: F811
    filing = world["zjj25"]
    Filing.objects.filter(pk=filing.pk).update(
        reviewed_at=datetime(2025, 12, 31, 17, 30, tzinfo=UTC),  # the next day in Shanghai
        reopened_until=None,
        self_total=Decimal("87.50"),
        notes="说明",
    )
    for user in (world["bureau"], world["director"], world["supervisor"]):
        rows = FilingListSerializer.list_queryset(Filing.objects.all())
        if serializer_class is FilingSerializer:
            rows = Filing.objects.all()
        for instance in rows:
            serializer = serializer_class(context={"request": _request(user)})
            planned = serializer.to_representation(instance)
            assert planned == _drf(serializer, instance)
            assert list(planned) == list(_drf(serializer, instance))  # same keys, same order
    planned = FilingSerializer(Filing.objects.get(pk=filing.pk)).data
    assert planned["reviewed_at"] == "2026-01-01T01:30:00+08:00"
    assert planned["self_total"] == "87.50"
    assert planned["reopened_until"] is None
    assert planned["state_label"] == dict(FilingState.choices)[planned["state"]]


def test_the_plan_reads_columns_itself_and_leaves_the_rest_to_drf():
    serializer = FilingListSerializer()
    by_drf = {field.field_name for field, read, _write in serializer._representation_plan() if read is None}
    assert by_drf == {"year", "center_name", "state_label", "has_work_plan", "moves"}


class _Labels(PlannedRepresentation, serializers.ModelSerializer):
    status_label = LabelField("status")
    kind_label = LabelField("kind")

    class Meta:
        model = SocialOrganization
        fields = ["id", "name", "status", "status_label", "kind", "kind_label", "registered_on"]


def test_label_fields_say_what_get_foo_display_says(db):
    for status, _label in SocialOrganization._meta.get_field("status").choices:
        (org,) = organizations(1, status=status)
        row = _Labels(org).data
        assert row["status_label"] == org.get_status_display()
        assert row["kind_label"] == org.get_kind_display()
        assert row == _drf(_Labels(), org)
    labels = {
        name for name, field in SocialOrganizationSerializer().fields.items() if isinstance(field, LabelField)
    }
    assert labels == {"kind_label", "party_status_label"}  # the portal's own use the same field


def test_a_label_of_something_that_is_not_a_row_is_left_out():
    """As ``CharField(source="get_status_display")`` did: no row, no label (validated data has none)."""

    class Labels(serializers.ModelSerializer):  # DRF's own rows (the planned ones read model rows only)
        status_label = LabelField("status")
        kind_label = LabelField("kind")

        class Meta:
            model = SocialOrganization
            fields = ["id", "name", "status", "status_label", "kind", "kind_label"]

    data = Labels().to_representation({"id": 1, "name": "某组织", "status": "active", "kind": "2"})
    assert "status_label" not in data and "kind_label" not in data and data["name"] == "某组织"
