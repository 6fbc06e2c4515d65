"""Pipelines (销售流程) with their stages, and opportunities (商机) moving through them."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openfunnel.core.choices import Source
from openfunnel.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel
from openfunnel.customers.models import Contact


class Pipeline(TimeStampedModel):
    """An ordered list of stages (e.g. one per product line); the first active pipeline is the default."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    allow_probability_override = models.BooleanField(
        _("reps may override the probability"), default=False,
        help_text=_("Otherwise the win probability always follows the stage."))
    close_reminder_days = models.PositiveSmallIntegerField(
        _("close date reminder (days before)"), default=7,
        help_text=_("The owner and their manager are reminded this many days before the expected close date."))
    auto_close_lost_after_days = models.PositiveSmallIntegerField(
        _("auto-close as lost after (days overdue)"), null=True, blank=True,
        help_text=_("Empty: overdue opportunities stay open until someone closes them."))
    auto_close_lost_reason = models.ForeignKey("LostReason", null=True, blank=True, on_delete=models.SET_NULL,
                                               related_name="+", verbose_name=_("lost reason when auto-closed"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:pipeline_edit", args=[self.pk])


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", pgettext_lazy("stage kind", "Open")
        WON = "won", pgettext_lazy("stage kind", "Won")
        LOST = "lost", pgettext_lazy("stage kind", "Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages",
                                 verbose_name=_("pipeline"))
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(_("win probability %"), default=0)
    guidance = models.TextField(_("guidance"), blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    required_attachments = models.PositiveSmallIntegerField(_("required attachments"), default=0)
    max_days = models.PositiveSmallIntegerField(_("maximum days in stage"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="stage_probability_max_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != self.Kind.OPEN


class LostReason(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


def days_since(moment: Any, now: Any) -> int:
    """Whole days from `moment` to `now`, never negative (an opportunity's days in its stage, a card's too)."""
    return max((now - moment).days, 0)


class Opportunity(TimeStampedModel, SoftDeleteModel, VersionedModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("opportunity status", "Open")
        WON = "won", pgettext_lazy("opportunity status", "Won")
        LOST = "lost", pgettext_lazy("opportunity status", "Lost")

    class ForecastCategory(models.TextChoices):
        PIPELINE = "pipeline", pgettext_lazy("forecast category", "Pipeline")
        BEST_CASE = "best_case", pgettext_lazy("forecast category", "Best case")
        COMMIT = "commit", pgettext_lazy("forecast category", "Commit")
        CLOSED = "closed", pgettext_lazy("forecast category", "Closed")
        OMITTED = "omitted", pgettext_lazy("forecast category", "Omitted")

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="opportunities",
                                 verbose_name=_("customer"))
    # owner and pipeline: no index of their own, Meta.indexes lead with them; campaign, lead, lost reason and
    # deleted by: partial indexes of the rows that have one (see migration 0007)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities",
                              verbose_name=_("owner"), db_index=False)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="opportunities",
                                 verbose_name=_("pipeline"), db_index=False)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities",
                              verbose_name=_("stage"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    amount_from_lines = models.BooleanField(_("amount follows the product lines"), default=False)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(_("win probability %"), default=0)
    forecast_category = models.CharField(_("forecast category"), max_length=20, choices=ForecastCategory.choices,
                                         default=ForecastCategory.PIPELINE)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    campaign = models.ForeignKey("leads.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="opportunities", verbose_name=_("campaign"), db_index=False)
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="opportunities", verbose_name=_("lead"), db_index=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    lost_reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="opportunities", verbose_name=_("lost reason"), db_index=False)
    lost_note = models.TextField(_("lost note"), blank=True)
    won_at = models.DateTimeField(_("won at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    close_date_push_count = models.PositiveSmallIntegerField(_("close date pushed back"), default=0)
    difficulty = models.DecimalField(_("difficulty coefficient"), max_digits=4, decimal_places=2,
                                     default=Decimal("1.00"))
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    close_reminder_sent_for = models.DateField(null=True, blank=True, editable=False)
    sla_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    checklist_done = models.JSONField(default=dict, blank=True, editable=False)  # {stage id: [items]}
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    # SoftDeleteModel's, with a partial index of the deleted rows only (Meta.indexes, migration 0007)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("deleted by"), db_index=False)
    # Copies of the customer's owner, pool and recycle-bin state, kept by database triggers
    # (openfunnel.sales.customer_copy) on every write path, so that the opportunity scope ("owned in scope, or
    # on a customer the actor sees") and "not on a deleted customer" are conditions on this table alone.
    customer_owner_id = models.BigIntegerField(null=True, editable=False)
    customer_pool_id = models.BigIntegerField(null=True, editable=False)
    customer_deleted = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "status", "stage"], name="opp_owner_status_stage"),
            models.Index(fields=["pipeline", "stage", "status"], name="opp_pipeline_stage_status"),
            models.Index(fields=["status", "expected_close_date"], name="opp_status_close_date"),
            models.Index(fields=["customer_owner_id", "-id"], name="opp_customer_owner"),
            models.Index(fields=["customer_pool_id"], name="opp_pool_customer",
                         condition=models.Q(customer_owner_id__isnull=True)),
            # the kanban: a column's live rows in the board's order (sales.selectors.BOARD_ORDER; a closed
            # stage's recent ones first) with every column its totals and scope read, so the totals are an
            # index-only scan and a column's first cards an ordered read that stops at the cap
            models.Index(fields=["pipeline", "stage", "-closed_at", "expected_close_date", "-id"], name="opp_board",
                         include=["owner", "customer_owner_id", "customer_pool_id", "customer", "amount",
                                  "probability"],
                         condition=models.Q(deleted_at__isnull=True, customer_deleted=False)),
            # the foreign keys most rows leave empty: only the rows that have one (every lookup names a value)
            models.Index(fields=["campaign"], name="opp_campaign", condition=models.Q(campaign__isnull=False)),
            models.Index(fields=["lead"], name="opp_lead", condition=models.Q(lead__isnull=False)),
            models.Index(fields=["lost_reason"], name="opp_lost_reason",
                         condition=models.Q(lost_reason__isnull=False)),
            models.Index(fields=["deleted_by"], name="opp_deleted_by", condition=models.Q(deleted_by__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="opp_probability_max_100"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="opp_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / Decimal(100)).quantize(Decimal("0.01"))

    def days_in_stage(self, now: Any = None) -> int:
        return days_since(self.stage_entered_at, now or timezone.now())

    @property
    def is_stalled(self) -> bool:
        max_days = self.stage.max_days
        return self.is_open and max_days is not None and self.days_in_stage() > max_days

    @property
    def is_past_close_date(self) -> bool:
        return (self.is_open and self.expected_close_date is not None
                and self.expected_close_date < timezone.localdate())


# The tally rows whose customer is not their own owner's (a pool customer, or another owner's): the only rows a
# scope's branches other than its owners' read (a row of the scope's owners is read by owner), so their index
# holds these alone. A query reads that partial index only when it states this same condition (both databases
# match the predicate by its terms), so the selectors filter by this very Q.
TALLY_ELSEWHERE = (models.Q(customer_owner_id__isnull=True) | models.Q(customer_owner_id__lt=models.F("owner_id"))
                   | models.Q(customer_owner_id__gt=models.F("owner_id")))


class BoardTally(models.Model):
    """Running sums of the kanban's columns, written only by database triggers (openfunnel.sales.board_tally):
    a row per change of plus or minus one opportunity's count, amount and weighted amount, under the keys the
    board's scope and columns ask for; a read sums them, a job merges them."""

    pipeline_id = models.BigIntegerField()
    stage_id = models.BigIntegerField()
    owner_id = models.BigIntegerField()
    customer_owner_id = models.BigIntegerField(null=True)
    customer_pool_id = models.BigIntegerField(null=True)   # a pool customer's pool (the owner is then NULL)
    closed_week = models.DateField(null=True)               # Monday (UTC) of the week it closed
    n = models.IntegerField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    weighted = models.DecimalField(max_digits=22, decimal_places=6)

    class Meta:
        # covering: a board's sums are an index-only read of its columns' keys (the whole pipeline's board); a
        # scope's are read by branch (sales.selectors._tally_sums): its owners' rows from board_tally_owner, the
        # rows of its customers' owners and member pools that other owners hold from board_tally_elsewhere —
        # each branch's open stages (no closed week) and closed weeks one range per owner or pool
        indexes = [models.Index(fields=["pipeline_id", "stage_id", "closed_week"], name="board_tally_column",
                                include=["owner_id", "customer_owner_id", "customer_pool_id", "n", "amount",
                                         "weighted"]),
                   models.Index(fields=["pipeline_id", "owner_id", "closed_week"], name="board_tally_owner",
                                include=["stage_id", "customer_owner_id", "customer_pool_id", "n", "amount",
                                         "weighted"]),
                   models.Index(fields=["pipeline_id", "customer_owner_id", "customer_pool_id", "closed_week"],
                                name="board_tally_elsewhere", condition=TALLY_ELSEWHERE,
                                include=["stage_id", "owner_id", "n", "amount", "weighted"])]


class OpportunityContact(models.Model):
    """A contact involved in the deal, with the part they play in the decision."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="opportunity_links",
                                verbose_name=_("contact"))
    role = models.CharField(_("decision role"), max_length=20, blank=True, choices=Contact.DecisionRole.choices)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "contact"], name="opp_contact_unique")]


class OpportunityShare(models.Model):
    """A collaborator (team selling): reads the opportunity, and edits it when `can_edit`."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_opportunities",
                             verbose_name=_("user"))
    can_edit = models.BooleanField(_("may edit"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="opp_share_unique")]


class OpportunityLine(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="opportunity_lines",
                                verbose_name=_("product"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1.00"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=Decimal("0.00"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]


class StageChange(models.Model):
    """One move of an opportunity; the stage names are copied so that renames keep the history readable."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_stage = models.ForeignKey(Stage, null=True, on_delete=models.SET_NULL, related_name="+")
    from_stage_name = models.CharField(max_length=100, blank=True)
    to_stage_name = models.CharField(max_length=100)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now)
    seconds_in_from_stage = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["opportunity", "at"], name="stagechange_opp_at"),
                   models.Index(fields=["to_stage", "at"], name="stagechange_to_stage_at")]

    @property
    def days_in_from_stage(self) -> Decimal | None:
        if self.seconds_in_from_stage is None:
            return None
        return (Decimal(self.seconds_in_from_stage) / Decimal(86400)).quantize(Decimal("0.1"))


def attachment_path(instance: OpportunityAttachment, filename: str) -> str:
    base = os.path.basename(filename)[-80:] or "file"
    return f"opportunities/{timezone.now():%Y/%m}/{uuid.uuid4().hex}_{base}"


class OpportunityAttachment(models.Model):
    """A file kept at a stage (sample photos, courier slips, documents); visible with its opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="attachments")
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("stage"))
    stage_name = models.CharField(max_length=100, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
