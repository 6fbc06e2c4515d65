"""The SQLite text-search index (customers.search_index): FTS5 trigram tables over the customers' and contacts'
searchable columns, their triggers, and the index of the rows already there. Nothing on PostgreSQL (trigram
GIN indexes, migration 0005) nor on a SQLite without FTS5 trigram (the search scans, as before)."""

from django.db import migrations


def create(apps, schema_editor):
    from openfunnel.customers import search_index

    search_index.install(schema_editor.connection)


def drop(apps, schema_editor):
    from openfunnel.customers import search_index

    if schema_editor.connection.vendor == "sqlite":
        search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0008_fewer_write_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
