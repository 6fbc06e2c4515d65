"""The pool log's customer and user have no index of their own: pool_event_customer_user and
pool_event_user_kind lead with these columns and serve the same lookups, the foreign keys' checks and a
customer's cascade included. Every claim, release, transfer and reclaim appends a log entry, and its customer's
entry went to a random page of that index. Dropped by name, as customers 0008: altering the fields on SQLite
would rebuild the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "pool_poolevent"
DROPPED = {"pool_poolevent_customer_id_ca97dafe": "customer_id", "pool_poolevent_user_id_61307815": "user_id"}


def drop(apps, schema_editor):
    for name in DROPPED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    for name, column in DROPPED.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}")')


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0010_pool_branch_indexes"),
        ("pool", "0004_pool_page_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="poolevent",
                    name="customer",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.CASCADE, related_name="pool_events",
                                            to="customers.customer", verbose_name="customer"),
                ),
                migrations.AlterField(
                    model_name="poolevent",
                    name="user",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="pool_events",
                                            to=settings.AUTH_USER_MODEL, verbose_name="user"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
    ]
