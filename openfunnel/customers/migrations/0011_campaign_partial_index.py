"""The campaign's index holds only the customers that have one.

A customer's owner or pool change (a claim, a transfer, the reclaim job) writes a new row version into every
index of the table, and most customers have no campaign: their entries in the plain index sat among the
NULLs at the place of their row version, a random page per write. Every lookup of the column names a value
(`campaign_id = …`, a campaign's deletion setting it NULL), which the partial index serves. Dropped by name,
as in 0008: altering the field on SQLite would rebuild the table.
"""

import django.db.models.deletion
from django.db import migrations, models

NAME = "customers_customer_campaign_id_9eaf2e43"


def drop(apps, schema_editor):
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


def create(apps, schema_editor):
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "customers_customer" ("campaign_id")')


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0010_pool_branch_indexes"),
        ("leads", "0001_initial"),
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
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(condition=models.Q(("campaign__isnull", False)), fields=["campaign"],
                               name="customer_campaign"),
        ),
    ]
