"""Writes of pipelines and opportunities. Every function is keyword-only, checks the actor's permission
and data scope, validates, runs in one transaction and records its audit event.
Import them from here: `from openfunnel.sales.services import opportunity_create`."""

from openfunnel.sales.services.attachments import opportunity_attachment_add, opportunity_attachment_delete
from openfunnel.sales.services.conversion import opportunity_from_lead
from openfunnel.sales.services.discipline import (
    opportunities_overdue_clear,
    opportunity_auto_close_lost,
    opportunity_close_reminder_send,
    opportunity_flag_overdue,
    opportunity_stage_sla_warn,
)
from openfunnel.sales.services.moves import (
    opportunity_lose,
    opportunity_move,
    opportunity_reopen,
    opportunity_win,
)
from openfunnel.sales.services.opportunities import (
    opportunity_checklist_mark,
    opportunity_contacts_set,
    opportunity_create,
    opportunity_delete,
    opportunity_lines_set,
    opportunity_restore,
    opportunity_share_remove,
    opportunity_share_set,
    opportunity_transfer,
    opportunity_update,
)
from openfunnel.sales.services.pipelines import (
    ensure_default_pipelines,
    lost_reason_create,
    lost_reason_update,
    pipeline_create,
    pipeline_update,
    stage_add,
    stage_reorder,
    stage_retire,
    stage_update,
)

__all__ = [
    "ensure_default_pipelines", "lost_reason_create", "lost_reason_update", "opportunities_overdue_clear",
    "opportunity_attachment_add", "opportunity_attachment_delete", "opportunity_auto_close_lost",
    "opportunity_checklist_mark", "opportunity_close_reminder_send", "opportunity_contacts_set",
    "opportunity_create", "opportunity_delete", "opportunity_flag_overdue", "opportunity_from_lead", "opportunity_lines_set",
    "opportunity_lose", "opportunity_move", "opportunity_reopen", "opportunity_restore", "opportunity_share_remove",
    "opportunity_share_set", "opportunity_stage_sla_warn", "opportunity_transfer", "opportunity_update",
    "opportunity_win", "pipeline_create", "pipeline_update", "stage_add", "stage_reorder", "stage_retire",
    "stage_update",
]
