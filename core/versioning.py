"""Lost-update refusal, one implementation for every record two people can edit.

A versioned record carries ``version`` (1 on creation). Every edit form and API write names the
version its author read; the service locks the row (``SELECT … FOR UPDATE``), compares, and refuses a
stale save with ``CONFLICT_MESSAGE`` (code ``conflict`` → 409 in the API, the form's message on a
page); a saved change moves the version on by one. Nothing is merged silently.
"""

from __future__ import annotations

import uuid

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError
from .idempotency import IdempotencyKeyField, submitted_before

CONFLICT_MESSAGE = (
    "该记录已被他人修改（您打开时为第 {read} 版，现为第 {current} 版），您的修改未保存，以免覆盖对方的内容。"
    "请刷新页面查看最新内容后重新修改。"
)
FORM_CONTROL_FIELDS = ("version", "idempotency_key")
MISSING_MESSAGE = "缺少版本号：请从最新页面提交修改。"
MISSING_FIELD_MESSAGE = "请提供读取记录时的版本号：刷新页面后重新修改。"


class VersionedModel(models.Model):
    """Abstract: a record two people can edit. ``version`` moves on by one with every saved change."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class StaleVersion(ApplicationError):
    """The record changed since its editor read it (HTTP 409)."""

    def __init__(self, *, read, current, fields: dict | None = None):
        super().__init__(CONFLICT_MESSAGE.format(read=read, current=current), fields=fields, code="conflict")


def parse_version(version, *, field: str = "version") -> int:
    """The version an editor sent, as a whole number ≥ 0; a missing or malformed one is refused."""
    if version in (None, ""):
        raise ApplicationError(MISSING_MESSAGE, fields={field: [MISSING_FIELD_MESSAGE]})
    try:
        value = int(str(version).strip())
    except (TypeError, ValueError):
        raise ApplicationError(
            MISSING_MESSAGE, fields={field: ["版本号应为整数，请从最新页面提交修改。"]}
        ) from None
    if value < 0:
        raise ApplicationError(MISSING_MESSAGE, fields={field: ["版本号应为整数，请从最新页面提交修改。"]})
    return value


def check_version(current, version) -> None:
    """Refuse unless ``version`` (what the editor read) equals ``current.version`` (the locked row)."""
    read = parse_version(version)
    if read != current.version:
        raise StaleVersion(read=read, current=current.version)


def lock(instance):
    """The row of ``instance`` as it is now in the database, locked until the transaction ends."""
    return type(instance)._default_manager.select_for_update(of=("self",)).get(pk=instance.pk)


def lock_and_check(instance, version):
    """Lock ``instance``'s row, refuse a stale ``version``, and return the locked row."""
    current = lock(instance)
    check_version(current, version)
    return current


def bump(instance, current=None) -> None:
    """Set ``instance.version`` one past the stored one (``current``: the locked row, if read)."""
    instance.version = (current.version if current is not None else instance.version) + 1


class VersionField(forms.IntegerField):
    """The hidden field carrying the version an editor read."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("版本"))
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


class VersionedFormMixin:
    """An edit form carries the version its editor read (``instance.version`` or ``version=`` given);
    a create form (an unsaved instance, or no version given) carries an idempotency key instead
    (core.idempotency), so posting it twice makes one row.

    The service compares the version with the locked row; ``add_application_error`` shows a refusal.
    """

    def __init__(self, *args, version: int | None = None, creating: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if version is None and instance is not None and instance.pk:
            version = instance.version
        self.creating = (version is None) if creating is None else creating
        if self.creating:
            self.fields["idempotency_key"] = IdempotencyKeyField()
            if not self.is_bound:
                self.initial["idempotency_key"] = uuid.uuid4()
        else:
            self.fields["version"] = VersionField()
            if "version" not in self.initial:
                self.initial["version"] = version

    def full_clean(self):
        """Errors of the hidden control fields are shown with the form's own errors (pages show no
        hidden field's error beside it)."""
        super().full_clean()
        if self.creating and self.is_bound and self._errors:
            # A repeat of a create that went through: no need to validate again (a uniqueness check
            # would now fail); the view's create_once answers it with the first submission's row.
            key = self.cleaned_data.get("idempotency_key")
            if key is not None and submitted_before(key):
                self._errors = forms.utils.ErrorDict()
                self.cleaned_data = {"idempotency_key": key}
                return
        for name in FORM_CONTROL_FIELDS:
            if self._errors and name in self._errors:
                self._errors.setdefault(
                    forms.forms.NON_FIELD_ERRORS, self.error_class(error_class="nonfield")
                )
                self._errors[forms.forms.NON_FIELD_ERRORS].extend(self._errors.pop(name))

    @property
    def idempotency_key(self):
        return self.cleaned_data.get("idempotency_key")

    @property
    def read_version(self):
        return self.cleaned_data.get("version")

    def service_data(self) -> dict:
        """The cleaned fields without the version and the key (given to services on their own)."""
        return {name: value for name, value in self.cleaned_data.items() if name not in FORM_CONTROL_FIELDS}

    def add_application_error(self, exc: ApplicationError) -> None:
        """Show a service's ApplicationError on this form: field messages beside the fields."""
        self.add_error(None, exc.message)
        for name, messages in exc.fields.items():
            for message in messages:
                if name in self.fields and not isinstance(self.fields[name].widget, forms.HiddenInput):
                    self.add_error(name, message)
                elif message != exc.message:
                    self.add_error(None, message)


class VersionedModelForm(VersionedFormMixin, forms.ModelForm):
    """A ModelForm of a versioned record (``modelform_factory(..., form=VersionedModelForm)``)."""
