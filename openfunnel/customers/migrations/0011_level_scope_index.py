"""The level's own index becomes one that also holds the owner, the pool and the deletion (and the id, which
SQLite keeps in every index anyway).

A list filtered by level counts its rows per branch of the scope (core.branches): "this level, these owners"
and "this level, unowned, in this pool" are then ranges of this index, read without visiting the table. With
the level's index alone, PostgreSQL ANDed it (166,000 rows of a level at full scale) with the owner's, or
scanned the table for a pool's rows. It replaces the foreign key's index (it leads with the level, so the
PROTECT check on deleting a level still finds its customers); PostgreSQL writes an entry in every index on an
owner change anyway (no HOT update), so the writes cost what they did. Dropped and created by name so that
SQLite does not rebuild the table.
"""

import django.db.models.deletion
from django.db import migrations, models

LEVEL_INDEX = "customers_customer_level_id_a239ac8d"


def create(apps, schema_editor):
    include = " INCLUDE (id)" if schema_editor.connection.features.supports_covering_indexes else ""
    schema_editor.execute("CREATE INDEX IF NOT EXISTS customer_level_scope ON customers_customer "
                          f"(level_id, owner_id, pool_id, deleted_at){include}")
    schema_editor.execute(f'DROP INDEX IF EXISTS "{LEVEL_INDEX}"')


def drop(apps, schema_editor):
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{LEVEL_INDEX}" ON customers_customer (level_id)')
    schema_editor.execute("DROP INDEX IF EXISTS customer_level_scope")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0010_pool_branch_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="level",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="customers",
                                            to="customers.customerlevel", verbose_name="level"),
                ),
                migrations.AddIndex(
                    model_name="customer",
                    index=models.Index(fields=["level", "owner", "pool", "deleted_at"], include=("id",),
                                       name="customer_level_scope"),
                ),
            ],
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
        ),
    ]
