"""Forms parse and label input; the rules on it live in staffing.services (errors come back from there)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.versioning import VersionedFormMixin

from .models import StaffMember, TalentProfile, Training

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(VersionedFormMixin, forms.ModelForm):
    """Carries the version the editor read, so a concurrent change is refused on save (core.versioning)."""


class _StoredFile:
    """What the file input shows of a stored file: the name it was uploaded as, linked to the
    permission-checked download view (never the storage path, never MEDIA_URL, which is not served)."""

    def __init__(self, url: str, name: str):
        self.url = url
        self.name = name

    def __str__(self) -> str:
        return self.name


class DownloadableFileInput(forms.ClearableFileInput):
    """A ClearableFileInput whose “目前” link goes to ``download_url`` and reads ``download_name``."""

    download_url = ""
    download_name = ""

    def format_value(self, value):
        if self.is_initial(value) and self.download_url:
            return _StoredFile(self.download_url, self.download_name or "已上传的文件")
        return super().format_value(value)


class StaffMemberForm(VersionedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["contract"].widget
        if self.instance.pk and self.instance.contract:
            from django.urls import reverse

            widget.download_url = reverse("staffing:contract_download", args=[self.instance.pk])
            widget.download_name = self.instance.contract_filename or "劳动合同"

    class Meta:
        model = StaffMember
        fields = [
            "name",
            "gender",
            "kind",
            "is_rehired",
            "position",
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
            "contract",
            "note",
        ]
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "contract": DownloadableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        }

    def service_data(self) -> dict:
        data = {
            k: v for k, v in self.cleaned_data.items() if k not in ("version", "idempotency_key", "contract")
        }
        return data

    def uploaded_contract(self):
        upload = self.cleaned_data.get("contract")
        return upload if upload and hasattr(upload, "content_type") else None

    # A ModelForm would write cleaned values onto the instance during validation; the service does that.
    def _post_clean(self):
        pass


class EndEmploymentForm(forms.Form):
    end_date = forms.DateField(label=_("离职日期"), widget=DATE_WIDGET)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionOnlyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class TrainingForm(VersionedForm):
    class Meta:
        model = Training
        fields = ["title", "organizer", "held_on", "hours", "attendees"]
        widgets = {"held_on": DATE_WIDGET, "attendees": forms.CheckboxSelectMultiple}

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = StaffMember.objects.filter(center=center).order_by("kind", "name")

    def _post_clean(self):
        pass


class TalentProfileForm(VersionedForm):
    class Meta:
        model = TalentProfile
        fields = [
            "name",
            "gender",
            "organization_name",
            "expertise",
            "expertise_detail",
            "certificates",
            "years_of_experience",
            "willing_to_lecture",
            "willing_to_consult",
            "mobile_phone",
            "is_leading_talent",
            "is_party_backbone",
        ]

    def _post_clean(self):
        pass


class TalentImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件"),
        help_text=_("请使用“下载导入模板”得到的 .xlsx 文件；任何一行有误则整份文件不导入。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


WILLING_CHOICES = [("", _("不限")), ("lecture", _("愿意授课")), ("consult", _("愿意提供咨询"))]


class RosterFilterForm(forms.Form):
    on = forms.DateField(
        label=_("名册日期"), required=False, widget=DATE_WIDGET, help_text=_("查看该日在册人员")
    )
    q = forms.CharField(label=_("姓名或证书"), required=False)
    kind = forms.ChoiceField(label=_("人员类别"), required=False)
    former = forms.BooleanField(label=_("含全部历史人员"), required=False)
    as_recorded = forms.BooleanField(
        label=_("按当日登记的信息"), required=False, help_text=_("薪酬、岗位等级等显示该日当时记录的值")
    )

    def __init__(self, *args, **kwargs):
        from .choices import StaffKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部"))] + list(StaffKind.choices)
