"""Create forms that make one row however often they are posted.

Every create form carries a hidden ``idempotency_key`` (a UUID made when the page is rendered). The
view runs its create service through ``create_once``: the key is claimed (a primary-key insert) in the
same transaction as the row it makes, so a second post with the same key — a double click, a re-sent
form, two parallel requests — waits for the first, finds the key taken and is answered with the first
one's row instead of making another. A create that fails releases the key with its rollback, so the
corrected form can be sent again. The API takes the same key in an ``Idempotency-Key`` header.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError
from .storage import atomic

EXPIRED_MESSAGE = "表单已过期：请刷新页面后重新填写并提交。"


class IdempotencyKeyField(forms.UUIDField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("提交标识"))
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("error_messages", {"required": EXPIRED_MESSAGE, "invalid": EXPIRED_MESSAGE})
        super().__init__(**kwargs)


def parse_key(raw) -> uuid.UUID:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise ApplicationError(EXPIRED_MESSAGE, fields={"idempotency_key": [EXPIRED_MESSAGE]}) from None


def submitted_before(key) -> bool:
    """Whether a create with this key has gone through (committed)."""
    from .models import IdempotencyKey

    return IdempotencyKey.objects.filter(key=key).exists()


def create_once(*, key, actor, create: Callable[[], object]) -> tuple[object | None, bool]:
    """Run ``create()`` (a create service returning the new row) once per ``key``.

    Returns (row, True) for the first submission and (the first one's row, False) for every repeat;
    the row may be None when it was deleted since."""
    from .models import IdempotencyKey

    key = parse_key(key)
    with atomic():
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(key=key, user=actor)
        except IntegrityError:
            # the first submission has committed (the insert waited for it): answer with its row
            existing = IdempotencyKey.objects.select_related("content_type").get(key=key)
            if existing.user_id != actor.pk:
                raise ApplicationError(
                    EXPIRED_MESSAGE, fields={"idempotency_key": [EXPIRED_MESSAGE]}
                ) from None
            return existing.target(), False
        obj = create()
        row = obj[0] if isinstance(obj, tuple) else obj
        claim.content_type = ContentType.objects.get_for_model(row)
        claim.object_id = str(row.pk)
        claim.save(update_fields=["content_type", "object_id"])
        return obj, True


def create_once_or_now(*, key, actor, create: Callable[[], object]) -> tuple[object | None, bool]:
    """``create_once`` when a key is given (the API's optional ``Idempotency-Key`` header), else create."""
    if key in (None, ""):
        return create(), True
    return create_once(key=key, actor=actor, create=create)


def api_key(request):
    """The API's optional ``Idempotency-Key`` header (a UUID the client makes per intended create)."""
    return request.headers.get("Idempotency-Key") or None


REPEATED_MESSAGE = "该表单已提交过，本次重复提交未再新增记录。"
