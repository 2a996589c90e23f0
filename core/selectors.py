from decimal import Decimal

from .models import PolicyParameter


def policy_values() -> dict[str, Decimal]:
    """All policy parameters in one query, by key (see core.reference for the keys and rule IDs)."""
    return dict(PolicyParameter.objects.values_list("key", "value"))


def policy_value(key: str) -> Decimal:
    try:
        return PolicyParameter.objects.values_list("value", flat=True).get(key=key)
    except PolicyParameter.DoesNotExist as exc:
        raise LookupError(f"policy parameter {key!r} is missing; run migrate to load it") from exc
