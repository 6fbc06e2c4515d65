"""Statistics on the opportunity's copy of its customer's pool and owner together (PostgreSQL): the scope's
pool branch, `customer_pool_id IN (…) AND customer_owner_id IS NULL`, was estimated at a quarter of its rows
(52,000 of 197,000 at the benchmark's full scale) — see customers migration 0007."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE STATISTICS IF NOT EXISTS opportunity_customer_pool_owner_stats "
                              "(dependencies, mcv) ON customer_pool_id, customer_owner_id FROM sales_opportunity")
        schema_editor.execute("ANALYZE sales_opportunity")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS opportunity_customer_pool_owner_stats")


class Migration(migrations.Migration):
    dependencies = [("sales", "0005_board_tally")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
