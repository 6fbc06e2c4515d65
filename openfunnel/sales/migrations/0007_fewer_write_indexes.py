"""Fewer index entries for every write that moves an opportunity's customer.

The customer copy (sales.customer_copy) rewrites an opportunity's row whenever its customer changes owner or
pool (a claim, a transfer, the reclaim job), and the new row version goes into every index of the table: 16 of
them, most at a random page. Here (as customers 0008 did for the customer):
- the owner's and the pipeline's own indexes are dropped: opp_owner_status_stage and opp_pipeline_stage_status
  lead with these columns and serve the same lookups, the foreign keys' checks included;
- the campaign's, the lead's, the lost reason's and the deleter's indexes hold only the rows that have one:
  most opportunities have none (their entries sat among the NULLs at the place of their row version, a random
  page per write), and every lookup of these columns names a value (`campaign_id = …`, `IN (…)`, a deletion's
  SET NULL or PROTECT check), which a partial index `WHERE … IS NOT NULL` serves on both databases.
Dropped by name rather than by altering the fields on the database: on SQLite that would rebuild the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "sales_opportunity"
# the foreign keys' own indexes, as Django named them (the same on every database)
DROPPED = {"sales_opportunity_owner_id_e47ae089": "owner_id", "sales_opportunity_pipeline_id_d2341c08": "pipeline_id",
           "sales_opportunity_campaign_id_32c47bc9": "campaign_id", "sales_opportunity_lead_id_773bde79": "lead_id",
           "sales_opportunity_lost_reason_id_41056614": "lost_reason_id",
           "sales_opportunity_deleted_by_id_3f22e5d2": "deleted_by_id"}


def drop(apps, schema_editor):
    for name in DROPPED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    for name, column in DROPPED.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}")')


def _fk(to, on_delete, **kwargs):
    return models.ForeignKey(db_index=False, on_delete=on_delete, related_name="opportunities", to=to, **kwargs)


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0001_initial"),
        ("sales", "0006_customer_copy_statistics"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="opportunity", name="campaign",
                    field=_fk("leads.campaign", django.db.models.deletion.SET_NULL, blank=True, null=True,
                              verbose_name="campaign")),
                migrations.AlterField(
                    model_name="opportunity", name="lead",
                    field=_fk("leads.lead", django.db.models.deletion.SET_NULL, blank=True, null=True,
                              verbose_name="lead")),
                migrations.AlterField(
                    model_name="opportunity", name="lost_reason",
                    field=_fk("sales.lostreason", django.db.models.deletion.PROTECT, blank=True, null=True,
                              verbose_name="lost reason")),
                migrations.AlterField(
                    model_name="opportunity", name="owner",
                    field=_fk(settings.AUTH_USER_MODEL, django.db.models.deletion.PROTECT, verbose_name="owner")),
                migrations.AlterField(
                    model_name="opportunity", name="pipeline",
                    field=_fk("sales.pipeline", django.db.models.deletion.PROTECT, verbose_name="pipeline")),
                migrations.AlterField(
                    model_name="opportunity", name="deleted_by",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                            to=settings.AUTH_USER_MODEL, verbose_name="deleted by")),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(condition=models.Q(("campaign__isnull", False)), fields=["campaign"],
                               name="opp_campaign"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(condition=models.Q(("lead__isnull", False)), fields=["lead"], name="opp_lead"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(condition=models.Q(("lost_reason__isnull", False)), fields=["lost_reason"],
                               name="opp_lost_reason"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(condition=models.Q(("deleted_by__isnull", False)), fields=["deleted_by"],
                               name="opp_deleted_by"),
        ),
    ]
