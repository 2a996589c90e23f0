"""Reference data of the district the portal serves (its streets/towns and supervising units).

The district is data, not code: ``REFERENCE_DISTRICT_FILE`` names the JSON file to load (Qingpu's by
default). Loading runs after every ``migrate`` and only creates what is missing, so edits made by the
bureau in the admin are kept and running it twice changes nothing.
"""

import json
from pathlib import Path

from django.conf import settings

DEFAULT_FILE = Path(__file__).with_name("qingpu.json")


def reference_file() -> Path:
    return Path(getattr(settings, "REFERENCE_DISTRICT_FILE", None) or DEFAULT_FILE)


def street_office_name(street_town: dict) -> str:
    suffix = "办事处" if street_town["kind"] == "street" else "人民政府"
    return f"{street_town['name']}{suffix}"


def load_reference_district(*, using: str = "default", path: Path | None = None, **kwargs):
    from centers.choices import SupervisingUnitKind
    from centers.models import District, StreetTown, SupervisingUnit

    data = json.loads((path or reference_file()).read_text(encoding="utf-8"))
    district, _ = District.objects.using(using).get_or_create(
        code=data["district"]["code"], defaults={"name": data["district"]["name"]}
    )
    SupervisingUnit.objects.using(using).get_or_create(
        district=district, name=data["bureau"], defaults={"kind": SupervisingUnitKind.BUREAU}
    )
    for order, item in enumerate(data["street_towns"], start=1):
        street_town, _ = StreetTown.objects.using(using).get_or_create(
            district=district,
            name=item["name"],
            defaults={"kind": item["kind"], "code": item.get("code", ""), "sort_order": order},
        )
        kind = (
            SupervisingUnitKind.STREET_OFFICE
            if item["kind"] == "street"
            else SupervisingUnitKind.TOWN_GOVERNMENT
        )
        SupervisingUnit.objects.using(using).get_or_create(
            district=district,
            name=street_office_name(item),
            defaults={"kind": kind, "street_town": street_town},
        )
    return district
