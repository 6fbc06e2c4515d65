"""The rows the generator writes, one named tuple per table (the field names are the columns).

Columns left out get the model field's default from the writer (deleted_at, version, notes, campaign …),
which is what the ORM would have written for them.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from typing import Any

EventRow = namedtuple("EventRow", "at actor_id verb object_type object_id object_repr customer_id changes data")
CustomerRow = namedtuple(
    "CustomerRow", "id name name_key uscc industry size region address lat lng phone phone_key email email_key "
    "website level_id source owner_id owner_since status last_follow_up_at next_follow_up_at created_by_id "
    "created_at updated_at")
TagLinkRow = namedtuple("TagLinkRow", "customer_id tag_id")
ContactRow = namedtuple(
    "ContactRow", "id customer_id name title phone phone_key email email_key wechat birthday decision_role "
    "is_primary created_at updated_at")
ShareRow = namedtuple("ShareRow", "customer_id user_id can_edit created_at")
NotificationRow = namedtuple(
    "NotificationRow", "recipient_id kind message object_type object_id url actor_id read_at created_at")
ActivityRow = namedtuple(
    "ActivityRow", "id kind content occurred_at author_id customer_id contact_id next_follow_up_at created_at "
    "updated_at")
ReminderRow = namedtuple("ReminderRow", "user_id due_at message customer_id activity_id task_id created_at")
OpportunityRow = namedtuple(
    "OpportunityRow", "id name customer_id owner_id pipeline_id stage_id amount expected_close_date probability "
    "forecast_category source status lost_reason_id won_at closed_at stage_entered_at next_step competitor "
    "description is_overdue created_by_id created_at updated_at version")
OpportunityContactRow = namedtuple("OpportunityContactRow", "opportunity_id contact_id role")
AttachmentRow = namedtuple(
    "AttachmentRow", "id opportunity_id stage_id stage_name file name size content_type uploaded_by_id uploaded_at")
StageChangeRow = namedtuple(
    "StageChangeRow", "opportunity_id from_stage_id to_stage_id from_stage_name to_stage_name actor_id at "
    "seconds_in_from_stage")
TaskRow = namedtuple(
    "TaskRow", "id title assignee_id created_by_id due_at remind_at priority customer_id created_at updated_at")


@dataclass
class Batch:
    """The rows of one transaction, written table by table (parents before children)."""

    customers: list[Any] = field(default_factory=list)
    tag_links: list[Any] = field(default_factory=list)
    contacts: list[Any] = field(default_factory=list)
    shares: list[Any] = field(default_factory=list)
    notifications: list[Any] = field(default_factory=list)
    activities: list[Any] = field(default_factory=list)
    tasks: list[Any] = field(default_factory=list)
    reminders: list[Any] = field(default_factory=list)
    opportunities: list[Any] = field(default_factory=list)
    opportunity_contacts: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    stage_changes: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    def write(self, writer: Any) -> None:
        from openfunnel.activities.models import Activity, Reminder, Task
        from openfunnel.audit.models import Event
        from openfunnel.automation.models import Notification
        from openfunnel.customers.models import Contact, Customer, CustomerShare
        from openfunnel.sales.models import (
            Opportunity,
            OpportunityAttachment,
            OpportunityContact,
            StageChange,
        )

        tables = [(Customer, CustomerRow, self.customers), (Customer.tags.through, TagLinkRow, self.tag_links),
                  (Contact, ContactRow, self.contacts), (CustomerShare, ShareRow, self.shares),
                  (Notification, NotificationRow, self.notifications), (Activity, ActivityRow, self.activities),
                  (Task, TaskRow, self.tasks), (Reminder, ReminderRow, self.reminders),
                  (Opportunity, OpportunityRow, self.opportunities),
                  (OpportunityContact, OpportunityContactRow, self.opportunity_contacts),
                  (OpportunityAttachment, AttachmentRow, self.attachments),
                  (StageChange, StageChangeRow, self.stage_changes), (Event, EventRow, self.events)]
        for model, row_type, rows in tables:
            if rows:
                writer.write(model, row_type._fields, rows)
