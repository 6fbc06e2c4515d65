"""A notice's recipient has no index of its own: notification_inbox leads with it and serves the same lookups
(the inbox, a user's cascade). Every notice written (the reclaim job writes one per customer) went into both.
Dropped by name: altering the field on SQLite would rebuild the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NAME = "automation_notification_recipient_id_31329aef"


def drop(apps, schema_editor):
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


def create(apps, schema_editor):
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "automation_notification" ("recipient_id")')


class Migration(migrations.Migration):

    dependencies = [
        ("automation", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="notifications", to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
    ]
