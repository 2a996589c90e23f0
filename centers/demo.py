"""Demo centers: the district center and one center per street/town (the registers are filled in by
the centers issue's demo data)."""

from datetime import date

from .choices import CenterLevel, CenterStatus, SupervisingUnitKind
from .models import District, ServiceCenter, StreetTown, SupervisingUnit
from .reference import load_reference_district


def seed(*, stdout, password):
    district = load_reference_district()
    bureau = SupervisingUnit.objects.get(district=district, kind=SupervisingUnitKind.BUREAU)
    ServiceCenter.objects.get_or_create(
        district=district,
        level=CenterLevel.DISTRICT,
        name="青浦区社会组织服务中心",
        defaults={
            "supervising_unit": bureau,
            "status": CenterStatus.OPERATING,
            "established_on": date(2014, 6, 1),
        },
    )
    for street_town in StreetTown.objects.filter(district=district):
        ServiceCenter.objects.get_or_create(
            district=district,
            level=CenterLevel.STREET_TOWN,
            street_town=street_town,
            defaults={
                "name": f"青浦区{street_town.name}社会组织服务中心",
                "supervising_unit": street_town.supervising_unit,
                "status": CenterStatus.OPERATING,
                "established_on": date(2015, 3, 1),
            },
        )
    stdout.write(f"  服务中心：{ServiceCenter.objects.filter(district=district).count()} 个")


def district() -> District:
    return District.objects.order_by("pk").first()
