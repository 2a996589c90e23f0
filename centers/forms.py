"""Forms: parse and label input; the services validate the business rules."""

from django import forms
from django.forms import modelform_factory

from core.versioning import VersionedFormMixin, VersionedModelForm

from .models import (
    AnnualPlan,
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


class DistrictScopedForm(VersionedModelForm):
    """Offers only the installation's district's streets/towns and supervising units
    (the services refuse any other: centers.services.district_problems); versioned like every edit
    form (core.versioning)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import current_district

        district = current_district()
        for name in ("street_town", "supervising_unit"):
            if name in self.fields:
                self.fields[name].queryset = self.fields[name].queryset.filter(district=district)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

PROFILE_FIELDS = [
    "name",
    "credit_code",
    "registered_on",
    "established_on",
    "legal_representative",
    "director_name",
    "director_under_board",
    "address",
    "phone",
    "email",
    "party_organization",
]
BUREAU_FIELDS = ["level", "status", "supervising_unit", "street_town", "industry", *PROFILE_FIELDS]


def _date_widgets(model):
    return {f.name: DATE for f in model._meta.fields if f.get_internal_type() == "DateField"}


def center_form_class(bureau: bool):
    """The bureau edits a center's level, status and placing; a director edits its profile."""
    fields = BUREAU_FIELDS if bureau else PROFILE_FIELDS
    return modelform_factory(
        ServiceCenter, form=DistrictScopedForm, fields=fields, widgets=_date_widgets(ServiceCenter)
    )


# kind (URL part) → (model, editable fields, Chinese title of the section)
REGISTER_KINDS = {
    "venue": (
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
    ),
    "bank-account": (
        BankAccount,
        ["bank_name", "account_number", "is_independent", "npo_accounting", "opened_on", "closed_on"],
    ),
    "contract": (PurchaseContract, ["purchaser", "title", "amount", "starts_on", "ends_on", "document"]),
    "income": (IncomeLine, ["year", "source", "amount", "contract", "note"]),
    "board-member": (BoardMember, ["name", "role", "term_start", "term_end"]),
    "supervisor": (Supervisor, ["name", "role", "term_start", "term_end"]),
    "governance-rule": (GovernanceRule, ["kind", "title", "adopted_on", "document"]),
    "meeting": (Meeting, ["body", "held_on", "topic", "minutes"]),
    "seal-custodian": (SealCustodian, ["name", "since", "until"]),
    "hand-over": (HandOver, ["handed_on", "from_person", "to_person", "items"]),
    "archive-inventory": (ArchiveInventory, ["year", "volumes", "is_complete", "note"]),
    "plan": (AnnualPlan, ["year", "kind", "title", "document"]),
    "rating": (RatingRecord, ["grade", "rated_on", "certificate"]),
}
# Uploaded files that may be downloaded: model name → file fields.
FILE_FIELDS = {
    "purchasecontract": ("document",),
    "governancerule": ("document",),
    "meeting": ("minutes",),
    "annualplan": ("document",),
    "ratingrecord": ("certificate",),
}


def register_form_class(kind: str):
    model, fields = REGISTER_KINDS[kind]
    return modelform_factory(model, form=VersionedModelForm, fields=fields, widgets=_date_widgets(model))


class OrganizationForm(DistrictScopedForm):
    class Meta:
        model = SocialOrganization
        fields = [
            "name",
            "credit_code",
            "kind",
            "registered_on",
            "street_town",
            "industry",
            "status",
            "deregistered_on",
            "party_status",
            "party_status_on",
        ]
        widgets = _date_widgets(SocialOrganization)


class DeleteForm(VersionedFormMixin, forms.Form):
    """The delete confirmation carries the version its reader saw."""


class ImportForm(forms.Form):
    file = forms.FileField(label="导入文件（.xlsx 或 .csv，不超过 10 MB）")
