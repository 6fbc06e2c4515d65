"""Indexes for the customer list at scale: its default order, the "last follow-up" order, and text search.

The list orders a nullable column DESC NULLS LAST (empty values last on every database), which only an
index declared that way can serve on PostgreSQL; SQLite cannot declare NULLS LAST in an index but
already sorts NULLs last in a DESC order. Text search is `UPPER(column) LIKE UPPER('%…%')`, which
PostgreSQL answers from pg_trgm GIN indexes on the same expressions; SQLite has no equivalent and scans.
"""

from django.db import DatabaseError, migrations, models, transaction

TRIGRAM_COLUMNS = [
    ("customers_customer", "name", "customer_name_trgm"),
    ("customers_customer", "phone", "customer_phone_trgm"),
    ("customers_customer", "uscc", "customer_uscc_trgm"),
    ("customers_customer", "email", "customer_email_trgm"),
    ("customers_contact", "name", "contact_name_trgm"),
]


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS customer_followup_recent ON customers_customer "
                              "(last_follow_up_at DESC NULLS LAST, id DESC)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            available = cursor.fetchone() is not None
        if not available:
            return  # search still works, by scanning
        try:
            with transaction.atomic():
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return  # a role that may not create extensions: search still works, by scanning
        for table, column, name in TRIGRAM_COLUMNS:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin "
                                  f"(UPPER({column}) gin_trgm_ops)")
    else:
        schema_editor.execute("CREATE INDEX IF NOT EXISTS customer_followup_recent ON customers_customer "
                              "(last_follow_up_at DESC, id DESC)")


def drop(apps, schema_editor):
    names = ["customer_followup_recent"]
    if schema_editor.connection.vendor == "postgresql":
        names += [name for _table, _column, name in TRIGRAM_COLUMNS]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0004_customer_pool"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["-created_at", "-id"], name="customer_recent"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
