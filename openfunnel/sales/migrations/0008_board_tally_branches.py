"""The kanban tally read by branch of a scope (sales.selectors._tally_sums): an index keyed on the owner, and a
partial one keyed on the customer's owner and pool holding only the rows whose customer is not their owner's
(sales.models.TALLY_ELSEWHERE). The table is small (a row per key moved; the compaction job merges them), so the
indexes are built in place; ANALYZE afterwards, for SQLite's planner to know them (see the bench README).

On PostgreSQL, statistics of the stage and the closed week together: every row of an open stage has no week, which
the columns' own statistics do not tell — estimated at a seventh of their rows, an open stage's rows without a week
looked like a short range of the column index, and the planner filtered the pipeline's stages by owner there
instead of reading the owner index."""

from django.db import migrations, models


def analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE STATISTICS IF NOT EXISTS board_tally_stage_week_stats (mcv) "
                              "ON stage_id, closed_week FROM sales_boardtally")
    schema_editor.execute("ANALYZE sales_boardtally")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS board_tally_stage_week_stats")


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0007_fewer_write_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="boardtally",
            index=models.Index(fields=["pipeline_id", "owner_id", "closed_week"],
                               include=("stage_id", "customer_owner_id", "customer_pool_id", "n", "amount",
                                        "weighted"), name="board_tally_owner"),
        ),
        migrations.AddIndex(
            model_name="boardtally",
            index=models.Index(condition=models.Q(("customer_owner_id__isnull", True),
                                                  ("customer_owner_id__lt", models.F("owner_id")),
                                                  ("customer_owner_id__gt", models.F("owner_id")), _connector="OR"),
                               fields=["pipeline_id", "customer_owner_id", "customer_pool_id", "closed_week"],
                               include=("stage_id", "owner_id", "n", "amount", "weighted"),
                               name="board_tally_elsewhere"),
        ),
        migrations.RunPython(analyze, drop_statistics),
    ]
