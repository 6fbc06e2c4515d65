"""The public pool's operations: the pool page (a page with its hand SQL), claims under 8 parallel clients
(throughput, with a contention check), and the reclaim job with a known number of customers due.

The claims (pool_claims.py) and the job (pool_reclaim.py) change data; each run puts back what it changed (the customers' pool columns, and the
pool log entries, timeline events and notices it wrote), so that a later run, or the next repetition,
starts from the same company.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from openfunnel.bench.operations import Context, Operation, OperationError, _in, register
from openfunnel.core.pagination import COUNT_CAP
from openfunnel.sales.jobs import compact_board_tally

POOL_COLUMNS = ["owner_id", "owner_since", "pool_id", "pool_entered_at", "pool_reason", "previous_owner_id",
                "version", "updated_at"]


# --- the pool the operations use ----------------------------------------------------------------------------

@dataclass
class PoolInfo:
    pool_id: int
    size: int            # customers lying in it


def pool_info(ctx: Context) -> PoolInfo:
    """The biggest pool the rep is a member of (found once per run)."""
    if "pool" not in ctx.extra:
        from django.db.models import Count

        from openfunnel.customers.models import Customer

        pools = ctx.pool_ids.get("rep") or []
        row = (Customer.objects.filter(owner__isnull=True, deleted_at__isnull=True, pool_id__in=pools)
               .values("pool_id").annotate(n=Count("id")).order_by("-n", "pool_id").first())
        if row is None:
            raise OperationError("no public pool holds customers the rep may claim: the benchmark data was "
                                 "generated before the pools; generate it again into an empty database")
        ctx.extra["pool"] = PoolInfo(pool_id=row["pool_id"], size=row["n"])
    return ctx.extra["pool"]


def pool_page_sql(cursor: Any, ctx: Context) -> None:
    """What the pool page shows a member: the pool (if the rep is a member), the number of customers in it
    counted up to the cap like every list ("more than 1,000 records"), and the first 25, newest in the pool
    first, with their level's name."""
    pool_id, pools = pool_info(ctx).pool_id, ctx.pool_ids["rep"]
    cursor.execute("SELECT id, name, kind, claim_mode, max_owned_per_user, daily_claim_limit, "
                   "reclaim_after_claim_days, reclaim_no_follow_up_days, reclaim_no_deal_days FROM pool_pool "
                   f"WHERE id = %s AND id IN ({_in(pools)})", [pool_id, *pools])
    cursor.fetchall()
    where = "c.pool_id = %s AND c.owner_id IS NULL AND c.deleted_at IS NULL"
    cursor.execute("SELECT COUNT(*) FROM (SELECT 1 FROM customers_customer c "
                   f"WHERE {where} LIMIT {COUNT_CAP + 1}) s", [pool_id])
    cursor.fetchone()
    cursor.execute("SELECT c.id, c.name, c.industry, c.region, c.last_follow_up_at, c.pool_entered_at, "
                   "c.pool_reason, l.name FROM customers_customer c LEFT JOIN customers_customerlevel l "
                   f"ON l.id = c.level_id WHERE {where} ORDER BY c.pool_entered_at DESC, c.id DESC LIMIT 25",
                   [pool_id])
    cursor.fetchall()


# --- putting back what an operation changed -----------------------------------------------------------------

@dataclass
class Snapshot:
    """The pool columns of some customers and the last ids of the tables the pool services append to."""

    rows: list[dict[str, Any]]
    marks: dict[str, int] = field(default_factory=dict)

    @classmethod
    def take(cls, customer_ids: list[int]) -> Snapshot:
        from openfunnel.customers.models import Customer

        rows = []
        for start in range(0, len(customer_ids), 1000):
            rows += list(Customer.objects.filter(pk__in=customer_ids[start:start + 1000]).values("pk", *POOL_COLUMNS))
        return cls(rows=rows, marks={name: _last_id(model) for name, model in _log_models().items()})

    @property
    def ids(self) -> list[int]:
        return [row["pk"] for row in self.rows]

    def new_rows(self, name: str) -> Any:
        """What the operation appended to one of the log tables about these customers."""
        model = _log_models()[name]
        about = {"object_type": "customer", "object_id__in": self.ids} if name == "notification" else {
            "customer_id__in": self.ids}
        return model.objects.filter(pk__gt=self.marks[name], **about)

    def restore(self) -> None:
        from openfunnel.customers.models import Customer

        with transaction.atomic():
            for name in _log_models():
                for start in range(0, len(self.rows), 1000):
                    chunk = Snapshot(self.rows[start:start + 1000], self.marks)
                    chunk.new_rows(name).delete()
            Customer.objects.bulk_update([Customer(**row) for row in self.rows], POOL_COLUMNS, batch_size=500)
        # the kanban tally's change rows written by the operation and its undoing, merged as its job would
        compact_board_tally(timezone.now())


def _log_models() -> dict[str, Any]:
    from openfunnel.audit.models import Event
    from openfunnel.automation.models import Notification
    from openfunnel.pool.models import PoolEvent

    return {"pool_event": PoolEvent, "event": Event, "notification": Notification}


def _last_id(model: Any) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def register_pool_operations() -> None:
    from openfunnel.bench.pool_claims import CLIENTS, claim_runner
    from openfunnel.bench.pool_reclaim import reclaim_runner

    register(Operation(
        "pool.page", "public pool page, first page, as a rep who is a member (the biggest pool)", "rep",
        path=lambda ctx: f"/pool/{pool_info(ctx).pool_id}/", sql=pool_page_sql), replace=True)
    register(Operation(
        "pool.claim", f"claim throughput under {CLIENTS} parallel clients, and {CLIENTS} racing for one customer",
        None, kind="throughput", runner=claim_runner), replace=True)
    register(Operation(
        "jobs.reclaim", "reclaim job with 10,000 customers due among the million (scaled)", None, kind="job",
        runner=reclaim_runner), replace=True)
