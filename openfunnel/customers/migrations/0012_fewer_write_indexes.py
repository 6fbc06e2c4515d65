"""The campaign's and the deleter's indexes hold only the customers that have one.

A customer's owner or pool change (a claim, a transfer, the reclaim job) writes a new row version into every
index of the table, and most customers have no campaign and no deleter: their entries in the plain indexes
sat among the NULLs at the place of their row version, a random page per write. Every lookup of these columns
names a value (`campaign_id = …`, a campaign's or a user's deletion setting it NULL), which a partial index
`WHERE … IS NOT NULL` serves on both databases. Dropped by name, as in 0008: altering the fields on SQLite would
rebuild the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# the foreign keys' own indexes, as Django named them (the same on every database)
DROPPED = {"customers_customer_campaign_id_9eaf2e43": "campaign_id",
           "customers_customer_deleted_by_id_0493fee8": "deleted_by_id"}


def drop(apps, schema_editor):
    for name in DROPPED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    for name, column in DROPPED.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "customers_customer" ("{column}")')


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0011_level_scope_index"),
        ("leads", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="campaign",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="customers",
                                            to="leads.campaign", verbose_name="campaign"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="deleted_by",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                            to=settings.AUTH_USER_MODEL, verbose_name="deleted by"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(condition=models.Q(("campaign__isnull", False)), fields=["campaign"],
                               name="customer_campaign"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(condition=models.Q(("deleted_by__isnull", False)), fields=["deleted_by"],
                               name="customer_deleted_by"),
        ),
    ]
