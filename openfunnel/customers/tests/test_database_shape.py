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
