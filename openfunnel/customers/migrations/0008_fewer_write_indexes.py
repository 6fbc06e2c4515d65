"""Fewer indexes for every write that moves a customer to do.

Changing a customer's owner or pool (a claim, a transfer, the reclaim job) changes indexed columns, so
PostgreSQL writes an entry into every index of the table: 27 of them, and the reclaim of 10,000 customers at
the benchmark's full scale wrote hundreds of MB of index pages. Dropped here, with nothing reading them:
- the owner's and the pool's own indexes: Meta.indexes lead with these columns (customer_owner_recent,
  customer_owner_followup, customer_pool_owner) and serve the same lookups, the foreign keys' checks included;
- on PostgreSQL the `varchar_pattern_ops` twins Django adds to indexed text columns, for `LIKE 'prefix%'`,
  which nothing asks of the duplicate keys or the USCC (exact matches use the plain index, searches the
  trigram ones).
Dropped by name rather than by altering the fields on the database: on SQLite that would rebuild the
million-row table twice and lose the indexes other migrations create in SQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FOREIGN_KEY_INDEXES = ["customers_customer_owner_id_fbb2798e", "customers_customer_pool_id_3cdc0e35"]
PATTERN_TWINS = ["customers_customer_name_key_30a19185_like", "customers_customer_uscc_1805c157_like",
                 "customers_customer_phone_key_c69e069d_like", "customers_customer_email_key_d6c9ed68_like"]


def drop(apps, schema_editor):
    names = FOREIGN_KEY_INDEXES + (PATTERN_TWINS if schema_editor.connection.vendor == "postgresql" else [])
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    schema_editor.execute('CREATE INDEX IF NOT EXISTS "customers_customer_owner_id_fbb2798e" '
                          'ON "customers_customer" ("owner_id")')
    schema_editor.execute('CREATE INDEX IF NOT EXISTS "customers_customer_pool_id_3cdc0e35" '
                          'ON "customers_customer" ("pool_id")')
    if schema_editor.connection.vendor == "postgresql":
        for name, column in zip(PATTERN_TWINS, ["name_key", "uscc", "phone_key", "email_key"]):
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "customers_customer" '
                                  f'("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0007_pool_owner_statistics"),
        ("pool", "0004_pool_page_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="owner",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="customers",
                                            to=settings.AUTH_USER_MODEL, verbose_name="owner"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="pool",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="customers",
                                            to="pool.pool", verbose_name="public pool"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
        ),
    ]
