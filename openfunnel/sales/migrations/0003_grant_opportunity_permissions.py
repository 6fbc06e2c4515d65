"""Opportunities got their own permission codes; every existing role keeps what it could do through the
customer codes that used to govern opportunities."""

from django.db import migrations

GRANTS = {
    "customers.edit": ["opportunities.create", "opportunities.edit"],
    "customers.share": ["opportunities.share"],
    "customers.delete": ["opportunities.delete"],
    "customers.transfer": ["opportunities.transfer"],
}
CODES = sorted({code for codes in GRANTS.values() for code in codes})


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.all():
        permissions = list(role.permissions or [])
        added = [code for held, codes in GRANTS.items() if held in permissions for code in codes
                 if code not in permissions]
        if added:
            role.permissions = permissions + added
            role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.all():
        kept = [code for code in role.permissions or [] if code not in CODES]
        if kept != list(role.permissions or []):
            role.permissions = kept
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_sessions"),
        ("sales", "0002_default_pipelines"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
