"""The customers table's statistics and indexes.

PostgreSQL knows that a pool customer (and an opportunity of one) has no owner: without the statistics
objects of customers 0007 and sales 0006 it estimated a scope's pool branch at a quarter of its rows and
planned searches and lists around that mistake."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics objects are PostgreSQL's")
def test_the_pool_and_owner_statistics_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext")
        names = {row[0] for row in cursor.fetchall()}
    assert {"customer_pool_owner_stats", "opportunity_customer_pool_owner_stats"} <= names


@pytest.mark.django_db
def test_moving_a_customer_writes_no_index_nothing_reads():
    """customers 0008: the owner's and pool's own indexes (the composite ones lead with them) and PostgreSQL's
    LIKE-prefix twins are gone; the composite ones the lookups use are there."""
    with connection.cursor() as cursor:
        names = {index for index, info in connection.introspection.get_constraints(cursor, "customers_customer").items()
                 if info["index"]}
    assert not names & {"customers_customer_owner_id_fbb2798e", "customers_customer_pool_id_3cdc0e35"}
    assert not [name for name in names if name.endswith("_like")]
    assert {"customer_owner_recent", "customer_owner_followup", "customer_pool_owner"} <= names


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes are PostgreSQL's")
def test_a_claimers_customers_are_counted_from_the_owner_index_alone(personas):
    """customers 0013: the owner index carries deleted_at, so the owned count of a claim (owner_id = … AND
    deleted_at IS NULL) needs no heap page per customer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'customer_owner_recent'")
        assert "INCLUDE (deleted_at)" in cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN SELECT COUNT(*) FROM customers_customer WHERE owner_id = %s AND deleted_at IS NULL",
                       [personas.bob.pk])
        assert "Index Only Scan using customer_owner_recent" in "\n".join(row[0] for row in cursor.fetchall())
