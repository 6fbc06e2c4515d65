"""PostgreSQL knows that a pool customer (and an opportunity of one) has no owner: without the statistics
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
