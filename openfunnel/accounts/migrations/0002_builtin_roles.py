from django.db import migrations


def create_builtin_roles(apps, schema_editor):
    from openfunnel.accounts.permissions import BUILTIN_ROLES
    from django.utils import translation

    Role = apps.get_model("accounts", "Role")
    with translation.override("en"):
        for code, spec in BUILTIN_ROLES.items():
            Role.objects.get_or_create(code=code, defaults={
                "name": str(spec["name"]), "data_scope": spec["data_scope"],
                "permissions": list(spec["permissions"]), "is_builtin": True})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_builtin_roles, migrations.RunPython.noop)]
