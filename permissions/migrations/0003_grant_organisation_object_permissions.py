"""Give existing organisations' groups their object permissions on the organisation."""

from django.db import migrations

PERMISSIONS = {
    "sign_for_organisation": "Tekenen namens de organisatie",
    "act_for_organisation": "Handelen namens de organisatie",
}


def grant(apps, schema_editor):
    Organisation = apps.get_model("permissions", "Organisation")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    GroupObjectPermission = apps.get_model("guardian", "GroupObjectPermission")
    # Permissions of 0002 are normally created after migrating (post_migrate); the
    # grants below need them now. post_migrate later finds them in place.
    content_type, _ = ContentType.objects.get_or_create(
        app_label="permissions", model="organisation"
    )
    sign, act = (
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in PERMISSIONS.items()
    )
    for organisation in Organisation.objects.all():
        for permission, group_id in (
            (sign, organisation.signatories_group_id),
            (act, organisation.members_group_id),
        ):
            GroupObjectPermission.objects.get_or_create(
                permission=permission,
                group_id=group_id,
                content_type=content_type,
                object_pk=str(organisation.pk),
            )


def revoke(apps, schema_editor):
    GroupObjectPermission = apps.get_model("guardian", "GroupObjectPermission")
    GroupObjectPermission.objects.filter(
        content_type__app_label="permissions",
        permission__codename__in=["sign_for_organisation", "act_for_organisation"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0002_organisation_object_permissions"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
