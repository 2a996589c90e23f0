"""Serializers read and parse; the services judge (ApplicationError → the one API error shape)."""

from django.urls import reverse
from rest_framework import serializers

from core.api.fields import LabelField
from staffing.models import StaffMember, TalentProfile, Training
from staffing.selectors import phone_for


class PhoneMaskingMixin:
    """``mobile_phone`` is masked unless the reader is the record's own center or the bureau."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visible = self.context.get("phone_visible", set())
        data["mobile_phone"] = phone_for(visible, instance.center_id, instance.mobile_phone)
        return data


class StaffMemberSerializer(PhoneMaskingMixin, serializers.ModelSerializer):
    kind_label = LabelField("kind")
    position_label = LabelField("position")
    contract_url = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "center",
            "name",
            "gender",
            "kind",
            "kind_label",
            "is_rehired",
            "position",
            "position_label",
            "is_legal_representative",
            "start_date",
            "end_date",
            "post_grade",
            "monthly_pay",
            "transport_subsidy",
            "meal_subsidy",
            "social_worker_level",
            "other_certificates",
            "mobile_phone",
            "note",
            "contract_url",
            "version",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        # Rules (pay bounds, dates, phone) are the service's; the serializer only parses types.
        extra_kwargs = {"center": {"validators": []}}

    def get_contract_url(self, obj) -> str | None:
        visible = self.context.get("phone_visible", set())
        if not obj.contract or not (visible is None or obj.center_id in visible):
            return None
        return reverse("staffing:contract_download", args=[obj.pk])

    def validate(self, attrs):
        return attrs  # no model-level validation here: staffing.services does it


class TrainingSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False)
    attendees = serializers.PrimaryKeyRelatedField(
        many=True, queryset=StaffMember.objects.all(), required=False
    )

    class Meta:
        model = Training
        fields = ["id", "center", "title", "organizer", "held_on", "hours", "attendees", "version"]
        read_only_fields = ["id"]


class TalentProfileSerializer(PhoneMaskingMixin, serializers.ModelSerializer):
    expertise_label = LabelField("expertise")
    version = serializers.IntegerField(required=False)

    class Meta:
        model = TalentProfile
        fields = [
            "id",
            "name",
            "gender",
            "organization_name",
            "expertise",
            "expertise_label",
            "expertise_detail",
            "certificates",
            "years_of_experience",
            "willing_to_lecture",
            "willing_to_consult",
            "mobile_phone",
            "is_leading_talent",
            "is_party_backbone",
            "version",
        ]
        read_only_fields = ["id"]
        validators = []
