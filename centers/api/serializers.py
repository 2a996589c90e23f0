from rest_framework import serializers

from core.api.fields import LabelField
from core.permissions import can

from ..models import (
    ArchiveInventory,
    BankAccount,
    BoardMember,
    GovernanceRule,
    HandOver,
    IncomeLine,
    Meeting,
    PurchaseContract,
    RatingRecord,
    SealCustodian,
    ServiceCenter,
    SocialOrganization,
    Supervisor,
    Venue,
)


class VersionField(serializers.IntegerField):
    """The record's version: read in every answer, sent back with every change (a stale one → 409)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("help_text", "读取时的版本号；修改时须原样提交，记录已被他人修改则返回 409")
        super().__init__(**kwargs)


class ServiceCenterSerializer(serializers.ModelSerializer):
    version = VersionField()
    level_label = LabelField("level")
    status_label = LabelField("status")

    class Meta:
        model = ServiceCenter
        fields = [
            "id",
            "district",
            "level",
            "level_label",
            "name",
            "credit_code",
            "street_town",
            "industry",
            "supervising_unit",
            "status",
            "status_label",
            "registered_on",
            "established_on",
            "legal_representative",
            "director_name",
            "director_under_board",
            "address",
            "phone",
            "email",
            "party_organization",
            "updated_at",
            "version",
        ]
        read_only_fields = ["district", "updated_at"]
        validators = []  # the service validates (Chinese messages, one transaction)


def _record_serializer(model_class, fields, read_only=()):
    meta = type(
        "Meta",
        (),
        {
            "model": model_class,
            "fields": ["id", "center", *fields, "version"],
            "read_only_fields": list(read_only),
            "validators": [],
        },
    )
    return type(
        f"{model_class.__name__}Serializer",
        (serializers.ModelSerializer,),
        {"Meta": meta, "version": VersionField()},
    )


VenueSerializer = _record_serializer(
    Venue,
    [
        "year",
        "address",
        "area",
        "is_independent",
        "has_computers",
        "has_network",
        "has_office_equipment",
        "has_incubation_park",
        "has_practice_park",
        "has_community_life_center",
        "note",
    ],
)
IncomeLineSerializer = _record_serializer(IncomeLine, ["year", "source", "amount", "contract", "note"])
PurchaseContractSerializer = _record_serializer(
    PurchaseContract, ["purchaser", "title", "amount", "starts_on", "ends_on"]
)
BoardMemberSerializer = _record_serializer(BoardMember, ["name", "role", "term_start", "term_end"])
SupervisorSerializer = _record_serializer(Supervisor, ["name", "role", "term_start", "term_end"])
GovernanceRuleSerializer = _record_serializer(GovernanceRule, ["kind", "title", "adopted_on"])
MeetingSerializer = _record_serializer(Meeting, ["body", "held_on", "topic"])
SealCustodianSerializer = _record_serializer(SealCustodian, ["name", "since", "until"])
HandOverSerializer = _record_serializer(HandOver, ["handed_on", "from_person", "to_person", "items"])
ArchiveInventorySerializer = _record_serializer(ArchiveInventory, ["year", "volumes", "is_complete", "note"])


class BankAccountSerializer(serializers.ModelSerializer):
    """The account number is shown in full only to those who may change the center (it and the bureau)."""

    version = VersionField()

    class Meta:
        model = BankAccount
        fields = [
            "id",
            "center",
            "bank_name",
            "account_number",
            "is_independent",
            "npo_accounting",
            "opened_on",
            "closed_on",
            "version",
        ]
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        allowed = self.context.setdefault("_full_numbers", {})
        if instance.center_id not in allowed:
            allowed[instance.center_id] = bool(request) and can(request.user, "change", instance.center)
        if not allowed[instance.center_id]:
            data["account_number"] = instance.masked_number
        return data


class RatingRecordSerializer(serializers.ModelSerializer):
    version = VersionField()
    grade_label = LabelField("grade")

    class Meta:
        model = RatingRecord
        fields = [
            "id",
            "center",
            "organization",
            "grade",
            "grade_label",
            "rated_on",
            "valid_until",
            "version",
        ]
        read_only_fields = ["valid_until"]
        validators = []


class SocialOrganizationSerializer(serializers.ModelSerializer):
    version = VersionField()
    kind_label = LabelField("kind")
    rating_grade = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    party_status_label = LabelField("party_status")

    class Meta:
        model = SocialOrganization
        fields = [
            "id",
            "name",
            "credit_code",
            "kind",
            "kind_label",
            "registered_on",
            "street_town",
            "industry",
            "status",
            "deregistered_on",
            "party_status",
            "party_status_label",
            "party_status_on",
            "rating_grade",
            "version",
        ]
        validators = []
        extra_kwargs = {"credit_code": {"validators": []}}


class ComplianceSerializer(serializers.Serializer):
    rule = serializers.CharField()
    status = serializers.CharField()
    detail = serializers.CharField()
    figures = serializers.DictField()
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="计算时间；为空表示该中心数据刚有变动，按当前数据实时判断"
    )


class DistrictComplianceSerializer(serializers.Serializer):
    """The answer of ``districts/{id}/compliance/`` (documentation; the selector builds it)."""

    district = serializers.DictField()
    year = serializers.IntegerField()
    reference_day = serializers.DateField()
    rules = ComplianceSerializer(many=True)
    figures = serializers.DictField()
    centers = serializers.ListField(child=serializers.DictField())
