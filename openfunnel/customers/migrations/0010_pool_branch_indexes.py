"""The customer list's pool branches in the list's two indexed orders (core.branches).

A page of the list is read per branch of the scope: the owners (customer_recent, customer_owner_followup),
the shared ids (the primary key) and each member pool. A pool holds ~100,000–200,000 customers at full scale;
these indexes hold exactly the rows of a pool branch (unowned, not deleted) in the default order (newest
first) and in the "last follow-up" order, so a branch's first page stops after a page of index entries. Only
pool customers are in them (a fifth of the table), so an owned customer's writes do not touch them. Plain SQL:
PostgreSQL needs NULLS LAST declared to read a nullable column in the list's order (empty last), which SQLite
cannot declare and does anyway in a DESC order (see 0005).
"""

from django.db import migrations

WHERE = "WHERE owner_id IS NULL AND deleted_at IS NULL"


def create(apps, schema_editor):
    nulls_last = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute("CREATE INDEX IF NOT EXISTS customer_pool_recent ON customers_customer "
                          f"(pool_id, created_at DESC, id DESC) {WHERE}")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS customer_pool_followup ON customers_customer "
                          f"(pool_id, last_follow_up_at DESC{nulls_last}, id DESC) {WHERE}")


def drop(apps, schema_editor):
    for name in ("customer_pool_recent", "customer_pool_followup"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0009_search_index"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
