from rest_framework import serializers

from centers.models import ServiceCenter, SupervisingUnit

from ..models import User
from ..roles import ASSIGNABLE_ROLE_CHOICES
from ..selectors import mask_mobile


class UserSerializer(serializers.ModelSerializer):
    """An account as the account administrator sees it. The mobile is masked in lists."""

    role = serializers.ChoiceField(choices=ASSIGNABLE_ROLE_CHOICES)
    role_label = serializers.CharField(read_only=True)
    center = serializers.PrimaryKeyRelatedField(
        queryset=ServiceCenter.objects.all(), required=False, allow_null=True
    )
    supervising_unit = serializers.PrimaryKeyRelatedField(
        queryset=SupervisingUnit.objects.all(), required=False, allow_null=True
    )
    is_locked = serializers.BooleanField(read_only=True, default=False)
    password = serializers.CharField(
        write_only=True,
        required=False,
        help_text="留空则生成一次性初始密码，在响应的 initial_password 中返回一次",
    )
    version = serializers.IntegerField(required=False, help_text="修改时须提供读取时的版本号")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "mobile",
            "email",
            "role",
            "role_label",
            "center",
            "supervising_unit",
            "organization_name",
            "is_active",
            "is_locked",
            "must_change_password",
            "last_login",
            "date_joined",
            "version",
            "password",
        ]
        read_only_fields = ["must_change_password", "last_login", "date_joined"]
        extra_kwargs = {"username": {"validators": []}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("masked"):
            data["mobile"] = mask_mobile(instance.mobile)
        return data


class CreatedUserSerializer(UserSerializer):
    initial_password = serializers.CharField(read_only=True, help_text="一次性初始密码，只返回这一次")

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "initial_password"]


class PasswordResetSerializer(serializers.Serializer):
    one_time_password = serializers.CharField(read_only=True, help_text="一次性密码，只返回这一次")
    emailed = serializers.BooleanField(read_only=True)
