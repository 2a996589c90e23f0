"""Today's copied center grants become affiliations, then the grants go.

Access to a service center used to be django-guardian object grants copied per center (a director's
view/change on their center, a supervising unit's view/review on each of its centers, sometimes an
auditor's view). Access now follows the user's affiliation at request time (core.permissions), so:

- a ``change_servicecenter`` grant makes the user's ``center`` that center (when they have none);
- a ``review_servicecenter`` grant makes the user's ``supervising_unit`` that center's unit (when none);
- every user object grant on a service center is then deleted (auditors keep their filing grants).
"""

from django.db import migrations


def grants_to_affiliations(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    ServiceCenter = apps.get_model("centers", "ServiceCenter")
    User = apps.get_model("accounts", "User")
    try:
        center_type = ContentType.objects.get(app_label="centers", model="servicecenter")
    except ContentType.DoesNotExist:
        return  # a fresh database: no grants yet
    grants = UserObjectPermission.objects.filter(content_type=center_type).select_related("permission")
    units = dict(ServiceCenter.objects.values_list("pk", "supervising_unit_id"))
    for grant in grants.order_by("pk"):
        user = User.objects.get(pk=grant.user_id)
        center_id = int(grant.object_pk)
        if center_id not in units:
            continue
        if grant.permission.codename == "change_servicecenter" and user.center_id is None:
            user.center_id = center_id
            user.save(update_fields=["center"])
        elif grant.permission.codename == "review_servicecenter" and user.supervising_unit_id is None:
            user.supervising_unit_id = units[center_id]
            user.save(update_fields=["supervising_unit"])
    grants.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_mobile_version_manage_permission"),
        ("centers", "0002_historicalservicecenter_director_under_board_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [migrations.RunPython(grants_to_affiliations, migrations.RunPython.noop)]
