from django import forms
from django.utils.translation import gettext_lazy as _


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
