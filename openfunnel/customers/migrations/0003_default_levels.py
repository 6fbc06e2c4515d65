from django.db import migrations

LEVELS = [("vip", "VIP", 0), ("a", "A", 1), ("b", "B", 2), ("c", "C", 3)]


def create_defaults(apps, schema_editor):
    CustomerLevel = apps.get_model("customers", "CustomerLevel")
    DedupSettings = apps.get_model("customers", "DedupSettings")
    for code, name, order in LEVELS:
        CustomerLevel.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    if not DedupSettings.objects.exists():
        DedupSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
