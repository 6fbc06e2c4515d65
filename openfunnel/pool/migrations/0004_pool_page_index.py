from django.db import migrations

# The pool page reads the customers lying in one pool, newest in the pool first. The (pool, owner) index
# finds them but leaves every one of them to sort: with ~100k customers in a big pool the first page cost
# a full sort. This index holds exactly the rows of the page's filter in the page's order, so the first page
# (and the capped count) read a few index entries. It belongs to the pool's page, so the pool app keeps it
# (plain SQL: partial indexes work alike on SQLite and PostgreSQL); customers.Customer does not declare it.
CREATE = ("CREATE INDEX IF NOT EXISTS customer_pool_queue ON customers_customer "
          "(pool_id, pool_entered_at DESC, id DESC) WHERE owner_id IS NULL AND deleted_at IS NULL")
DROP = "DROP INDEX IF EXISTS customer_pool_queue"


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_customer_pool'),
        ('pool', '0003_lead_pool_rules'),
    ]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql=DROP),
    ]
