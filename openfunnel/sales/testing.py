"""Test helpers of the sales app."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from openfunnel.sales.board_tally import week_start

CENT = Decimal("0.01")


def tally_by_key() -> dict[tuple[Any, ...], tuple[int, Decimal, Decimal]]:
    """The kanban tally's sums per key (keys summing to nothing left out)."""
    from openfunnel.sales.models import BoardTally

    sums: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for row in BoardTally.objects.all():
        key = (row.pipeline_id, row.stage_id, row.owner_id, row.customer_owner_id, row.customer_pool_id,
               row.closed_week)
        sums[key][0] += row.n
        sums[key][1] += Decimal(str(row.amount))
        sums[key][2] += Decimal(str(row.weighted))
    return {key: (n, a.quantize(CENT), w.quantize(CENT)) for key, (n, a, w) in sums.items()
            if n or a.quantize(CENT) or w.quantize(CENT)}


def expected_tally() -> dict[tuple[Any, ...], tuple[int, Decimal, Decimal]]:
    """What the tally must sum to, computed in Python from the opportunities and their customers."""
    from openfunnel.sales.models import Opportunity

    sums: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for o in Opportunity.objects.filter(deleted_at__isnull=True).select_related("customer"):
        customer = o.customer
        if customer.deleted_at is not None:
            continue
        week = week_start(o.closed_at).date() if o.closed_at else None
        key = (o.pipeline_id, o.stage_id, o.owner_id, customer.owner_id,
               customer.pool_id if customer.owner_id is None else None, week)
        sums[key][0] += 1
        sums[key][1] += o.amount
        sums[key][2] += o.amount * o.probability / Decimal(100)
    return {key: (n, a.quantize(CENT), w.quantize(CENT)) for key, (n, a, w) in sums.items()}
