"""Forms of the login steps and of account administration. They only read input; accounts.security
and accounts.services check and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from centers.models import ServiceCenter, SupervisingUnit

from .services import ASSIGNABLE_ROLES


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("动态验证码或恢复码"),
        max_length=20,
        help_text=_(
            "打开验证器应用，输入当前显示的 6 位数字；手机不在身边时可输入一个恢复码（每个只能用一次）。"
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": _("请输入动态验证码或恢复码。")},
    )


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证器应用显示的 6 位数字"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("请输入验证器应用当前显示的 6 位数字。")},
    )


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录名：字母、数字和 @ . + - _")
    full_name = forms.CharField(label="姓名", max_length=100)
    mobile = forms.CharField(label="手机号码", max_length=20, required=False)
    email = forms.CharField(
        label="电子邮箱", max_length=254, required=False, help_text="填写时一次性密码同时发到该邮箱"
    )
    role = forms.ChoiceField(
        label="角色", choices=[("", "请选择角色")] + [(r.value, r.label) for r in ASSIGNABLE_ROLES]
    )
    center = forms.ModelChoiceField(
        label="所属服务中心",
        queryset=ServiceCenter.objects.order_by("name"),
        required=False,
        empty_label="（无）",
        help_text="服务中心主任/工作人员必选，其他角色留空",
    )
    supervising_unit = forms.ModelChoiceField(
        label="所属业务主管单位",
        queryset=SupervisingUnit.objects.order_by("name"),
        required=False,
        empty_label="（无）",
        help_text="业务主管单位人员必选，其他角色留空",
    )
    organization_name = forms.CharField(
        label="所在单位", max_length=200, required=False, help_text="抽检评估人员必填（评估机构名称）"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label="账号文件（.xlsx）")
