from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import MinimumWage


@admin.register(MinimumWage)
class MinimumWageAdmin(SimpleHistoryAdmin):
    """The bureau keeps the Shanghai minimum-wage table here (R-PAY-3): a new standard is a new row.

    The roster and the talent pool are not in the admin: they hold personal data and change only through
    the pages and the API (services with the lost-update check, audit log, masking).
    """

    list_display = ("effective_from", "monthly_amount", "to_confirm", "note", "source")
    list_filter = ("to_confirm",)
    ordering = ("-effective_from",)
