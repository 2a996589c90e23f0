"""Start-up check: one district per installation.

The portal serves one district (its bureau, its streets and towns, its "1+N+X"). A database holding
several districts is refused at start-up rather than served by whichever comes first; a city-level,
several-district deployment would be a deliberate later change, not an accident."""

from django.core.checks import Error, register
from django.db import DatabaseError


@register()
def one_district_check(app_configs=None, **kwargs):
    from .models import District
    from .selectors import many_districts_message

    try:
        count = District.objects.count()
    except DatabaseError:  # no database or tables yet (before the first migrate)
        return []
    if count > 1:
        return [
            Error(
                many_districts_message(),
                hint="一个区一个数据库：python manage.py load_district 区数据文件 载入本区的数据。",
                id="centers.E001",
            )
        ]
    return []
