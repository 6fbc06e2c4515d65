"""A fresh installation starts with the demo pipelines and the standard lost reasons."""

from django.db import migrations


def forwards(apps, schema_editor):
    from openfunnel.sales.defaults import build_default_pipelines

    build_default_pipelines(apps.get_model("sales", "Pipeline"), apps.get_model("sales", "Stage"),
                            apps.get_model("sales", "LostReason"))


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
