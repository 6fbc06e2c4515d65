"""The customer's owner, pool and recycle-bin state copied onto its opportunities by database triggers.

Who sees an opportunity depends on its customer (sales.selectors.opportunity_scope_q). As a join, that
condition made PostgreSQL scan every customer for a team's kanban; as columns of the opportunity it is an
index condition. Triggers rather than service code keep the copy: every path that moves a customer — the
services, the pool's set-based reclaim, the handover, the bulk writers, a hand-written UPDATE — goes through
the database, and an opportunity saved from a stale instance gets the copy recomputed on the way in.

`install` is idempotent and runs after every `migrate` (apps.SalesConfig), so a later migration that
rebuilds either table on SQLite (which drops its triggers) cannot leave the copy unmaintained.
"""

from __future__ import annotations

from typing import Any

from django.db import connection as default_connection
from django.db import transaction

OPPORTUNITY = "sales_opportunity"
CUSTOMER = "customers_customer"

_POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION sales_opportunity_customer_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- written by customers_customer_copy below (its UPDATE runs inside that statement trigger, so the rows'
    -- triggers are one level deeper): already the customer's values
    IF pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    SELECT c.owner_id, c.pool_id, c.deleted_at IS NOT NULL
      INTO NEW.customer_owner_id, NEW.customer_pool_id, NEW.customer_deleted
      FROM {CUSTOMER} c WHERE c.id = NEW.customer_id;
    RETURN NEW;
END $$""",
    f"DROP TRIGGER IF EXISTS sales_opportunity_customer_copy ON {OPPORTUNITY}",
    f"""CREATE TRIGGER sales_opportunity_customer_copy
    BEFORE INSERT OR UPDATE OF customer_id, customer_owner_id, customer_pool_id, customer_deleted ON {OPPORTUNITY}
    FOR EACH ROW EXECUTE FUNCTION sales_opportunity_customer_copy()""",
    # Set-based: one UPDATE of the opportunities of every customer a statement moved, so the reclaim job's
    # UPDATE of a batch of customers is one join (and one statement of the tally's trigger), not a statement
    # per customer. Transition tables allow neither a column list nor WHEN: the filter is the join's.
    f"""CREATE OR REPLACE FUNCTION customers_customer_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {OPPORTUNITY} o SET customer_owner_id = n.owner_id, customer_pool_id = n.pool_id,
           customer_deleted = n.deleted_at IS NOT NULL
      FROM customer_copy_old b JOIN customer_copy_new n ON n.id = b.id
     WHERE o.customer_id = n.id
       AND (b.owner_id IS DISTINCT FROM n.owner_id OR b.pool_id IS DISTINCT FROM n.pool_id
            OR (b.deleted_at IS NULL) <> (n.deleted_at IS NULL))
       AND (o.customer_owner_id, o.customer_pool_id, o.customer_deleted)
           IS DISTINCT FROM (n.owner_id, n.pool_id, n.deleted_at IS NOT NULL);
    RETURN NULL;
END $$""",
    f"DROP TRIGGER IF EXISTS customers_customer_copy ON {CUSTOMER}",
    f"""CREATE TRIGGER customers_customer_copy AFTER UPDATE ON {CUSTOMER}
    REFERENCING OLD TABLE AS customer_copy_old NEW TABLE AS customer_copy_new
    FOR EACH STATEMENT EXECUTE FUNCTION customers_customer_copy()""",
]

# SQLite cannot change NEW in a BEFORE trigger: the row is corrected right after it is written. The WHEN
# clauses stop the recursion should recursive_triggers ever be switched on.
_SQLITE_COPY = (f"UPDATE {OPPORTUNITY} SET (customer_owner_id, customer_pool_id, customer_deleted) = "
                f"(SELECT c.owner_id, c.pool_id, c.deleted_at IS NOT NULL FROM {CUSTOMER} c WHERE c.id = NEW.customer_id) "
                f"WHERE id = NEW.id;")
_SQLITE_STALE = (f"EXISTS (SELECT 1 FROM {CUSTOMER} c WHERE c.id = NEW.customer_id AND "
                 "(c.owner_id IS NOT NEW.customer_owner_id OR c.pool_id IS NOT NEW.customer_pool_id "
                 "OR (c.deleted_at IS NOT NULL) IS NOT NEW.customer_deleted))")
_SQLITE = [
    "DROP TRIGGER IF EXISTS sales_opportunity_customer_copy_insert",
    f"CREATE TRIGGER sales_opportunity_customer_copy_insert AFTER INSERT ON {OPPORTUNITY} "
    f"WHEN {_SQLITE_STALE} BEGIN {_SQLITE_COPY} END",
    "DROP TRIGGER IF EXISTS sales_opportunity_customer_copy_update",
    f"CREATE TRIGGER sales_opportunity_customer_copy_update "
    f"AFTER UPDATE OF customer_id, customer_owner_id, customer_pool_id, customer_deleted ON {OPPORTUNITY} "
    f"WHEN {_SQLITE_STALE} BEGIN {_SQLITE_COPY} END",
    "DROP TRIGGER IF EXISTS customers_customer_copy",
    f"CREATE TRIGGER customers_customer_copy AFTER UPDATE OF owner_id, pool_id, deleted_at ON {CUSTOMER} "
    "WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.pool_id IS NOT NEW.pool_id "
    "OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) "
    f"BEGIN UPDATE {OPPORTUNITY} SET customer_owner_id = NEW.owner_id, customer_pool_id = NEW.pool_id, "
    "customer_deleted = NEW.deleted_at IS NOT NULL WHERE customer_id = NEW.id; END",
]

_BACKFILL = {
    "postgresql": f"""UPDATE {OPPORTUNITY} o SET customer_owner_id = c.owner_id, customer_pool_id = c.pool_id,
           customer_deleted = c.deleted_at IS NOT NULL
      FROM {CUSTOMER} c
     WHERE c.id = o.customer_id AND (o.customer_owner_id IS DISTINCT FROM c.owner_id
           OR o.customer_pool_id IS DISTINCT FROM c.pool_id OR o.customer_deleted <> (c.deleted_at IS NOT NULL))""",
    "sqlite": f"""UPDATE {OPPORTUNITY} SET (customer_owner_id, customer_pool_id, customer_deleted) =
           (SELECT c.owner_id, c.pool_id, c.deleted_at IS NOT NULL FROM {CUSTOMER} c
             WHERE c.id = {OPPORTUNITY}.customer_id)""",
}


def install(connection: Any = default_connection) -> None:
    """Creates (or re-creates) the triggers that keep the copy, in one transaction (no write slips between the
    old triggers' drop and the new ones)."""
    statements = {"postgresql": _POSTGRESQL, "sqlite": _SQLITE}.get(connection.vendor)
    if statements is None:
        raise NotImplementedError(f"no customer-copy triggers for {connection.vendor}")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def backfill(connection: Any = default_connection) -> int:
    """Sets the copy on every opportunity from its customer: after a load that skipped the triggers (the
    benchmark's COPY in PostgreSQL's replica mode) and when the columns are added. Returns the rows changed."""
    with connection.cursor() as cursor:
        cursor.execute(_BACKFILL[connection.vendor])
        return cursor.rowcount


def installed(connection: Any = default_connection, like: str = "%customer_copy%") -> set[str]:
    """The names of the triggers matching `like` present in the database (tests check all are)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s", [like])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [like])
        return {row[0] for row in cursor.fetchall()}


def install_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from openfunnel.sales.models import Opportunity

    connection = connections[using]
    if Opportunity._meta.db_table in connection.introspection.table_names():
        install(connection)
