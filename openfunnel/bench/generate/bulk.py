"""Database-side helpers of the generator: PostgreSQL's bulk-load mode and fresh statistics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection

from openfunnel.bench.progress import Progress
from openfunnel.sales import customer_copy


def bulk_models() -> list[type[Any]]:
    """The tables the generator fills by the million (their secondary indexes are rebuilt after the load)."""
    from openfunnel.activities.models import Activity, Reminder, Task
    from openfunnel.audit.models import Event
    from openfunnel.automation.models import Notification
    from openfunnel.customers.models import Contact, Customer, CustomerShare
    from openfunnel.pool.models import PoolEvent
    from openfunnel.sales.models import Opportunity, OpportunityAttachment, OpportunityContact, StageChange

    return [Customer, Customer.tags.through, Contact, CustomerShare, Notification, Activity, Reminder, Task,
            Opportunity, OpportunityContact, OpportunityAttachment, StageChange, PoolEvent, Event]


@contextmanager
def bulk_load_mode(enabled: bool, progress: Progress) -> Iterator[None]:
    """PostgreSQL bulk-load mode, for an empty database only.

    The secondary indexes of the big tables are dropped and rebuilt once at the end (one sort each instead
    of millions of random insertions), and, for a superuser, the foreign-key triggers are skipped (the
    generator links only rows it wrote; the tests check every link) with the other triggers — the customer
    copy on the opportunities is then set in one UPDATE before the indexes. Primary keys and unique constraints
    stay. An interrupted run leaves the database marked incomplete, and the benchmark refuses to reuse it.
    """
    if not enabled:
        yield
        return
    tables = [model._meta.db_table for model in bulk_models()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = ANY(%s) AND t.relkind = 'r' "
            "AND pg_table_is_visible(t.oid) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)", [tables])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        try:
            cursor.execute("SET session_replication_role = replica")
            replica = True
        except DatabaseError:  # not a superuser: the foreign keys are checked as usual
            replica = False
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if replica:
                # the opportunities' copy of their customer (sales.customer_copy) is a trigger's work; set
                # before the triggers are back (they would write the kanban tally's rows for every change)
                started = time.monotonic()
                progress.note("copying the customers' owner, pool and deletion onto their opportunities …")
                changed = customer_copy.backfill(connection)
                progress.note(f"{changed:,} opportunities in {time.monotonic() - started:.1f} s")
                cursor.execute("RESET session_replication_role")
            cursor.execute("RESET synchronous_commit")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            started = time.monotonic()
            progress.note(f"rebuilding {len(indexes)} indexes …")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
            progress.note(f"indexes rebuilt in {time.monotonic() - started:.1f} s")


def analyze_tables() -> None:
    """Fresh planner statistics (and on PostgreSQL the visibility map, for index-only scans), as autovacuum
    leaves them on a database that grew over years. Inside a transaction (tests) only ANALYZE can run."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")
