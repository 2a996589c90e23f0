# The stored compliance rows' digest (issue 16): every rule's status and the staffing verdict's
# figures, beside the full results, filled here from the rows already stored.

from django.db import migrations, models

STAFF_RULES = ("R-STAFF-1", "R-STAFF-2", "R-STAFF-3")


def fill_digests(apps, schema_editor):
    CenterCompliance = apps.get_model("centers", "CenterCompliance")
    rows = list(CenterCompliance.objects.all())
    for row in rows:
        row.statuses = {r["rule"]: r["status"] for r in row.results}
        staff = next((r["figures"] for r in row.results if r["rule"] in STAFF_RULES), None)
        row.staff_figures = dict(staff or {})
    CenterCompliance.objects.bulk_update(rows, ["statuses", "staff_figures"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("centers", "0009_list_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="centercompliance",
            name="staff_figures",
            field=models.JSONField(default=dict, verbose_name="人员配备数字"),
        ),
        migrations.AddField(
            model_name="centercompliance",
            name="statuses",
            field=models.JSONField(default=dict, verbose_name="各项状态"),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
    ]
