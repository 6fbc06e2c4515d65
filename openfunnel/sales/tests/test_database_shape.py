"""The indexes a write that moves an opportunity's customer goes through (sales 0007, pool 0005, automation
0002, customers 0011): no index that another one's leading columns cover, and the foreign keys most rows leave
empty indexed only where they are set — while every lookup those columns get still finds an index."""

from __future__ import annotations

import pytest
from django.db import connection


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return {name: info for name, info in connection.introspection.get_constraints(cursor, table).items()
                if info["index"]}


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "gone", "covering"), [
    ("sales_opportunity",
     {"sales_opportunity_owner_id_e47ae089", "sales_opportunity_pipeline_id_d2341c08",
      "sales_opportunity_campaign_id_32c47bc9", "sales_opportunity_lead_id_773bde79",
      "sales_opportunity_lost_reason_id_41056614", "sales_opportunity_deleted_by_id_3f22e5d2"},
     {"opp_owner_status_stage": "owner_id", "opp_pipeline_stage_status": "pipeline_id", "opp_campaign": "campaign_id",
      "opp_lead": "lead_id", "opp_lost_reason": "lost_reason_id", "opp_deleted_by": "deleted_by_id"}),
    ("customers_customer", {"customers_customer_campaign_id_9eaf2e43", "customers_customer_deleted_by_id_0493fee8"},
     {"customer_campaign": "campaign_id", "customer_deleted_by": "deleted_by_id"}),
    ("pool_poolevent", {"pool_poolevent_customer_id_ca97dafe", "pool_poolevent_user_id_61307815"},
     {"pool_event_customer_user": "customer_id", "pool_event_user_kind": "user_id"}),
    ("automation_notification", {"automation_notification_recipient_id_31329aef"},
     {"notification_inbox": "recipient_id"}),
])
def test_each_lookup_column_leads_an_index_and_no_index_is_redundant(table, gone, covering):
    indexes = _indexes(table)
    assert not gone & set(indexes)
    for name, column in covering.items():
        assert indexes[name]["columns"][0] == column, name


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner proves the partial index")
@pytest.mark.parametrize(("where", "index"), [
    ("campaign_id = 7", "opp_campaign"), ("campaign_id IN (7, 8)", "opp_campaign"),
    ("lead_id = 7", "opp_lead"), ("lost_reason_id IN (7, 8)", "opp_lost_reason"), ("deleted_by_id = 7", "opp_deleted_by"),
    ("owner_id = 7", "opp_owner_status_stage"), ("pipeline_id = 7", "opp_pipeline_stage_status"),
])
def test_a_lookup_by_value_can_read_the_partial_and_composite_indexes(where, index):
    """What a deletion's SET NULL or PROTECT check and the filters ask: `column = value` or `IN (…)`, which
    implies `column IS NOT NULL`, so the partial index serves it (seq scans off: the test tables are tiny)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM sales_opportunity WHERE {where}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
