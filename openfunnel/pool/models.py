"""Public pools (公海池): their settings, per-level rule overrides, the pool event log and reclaim warnings.

A customer belongs to a pool through `Customer.pool`: with `owner` NULL it is *in* the pool; with an owner
the pool is the one whose reclaim rules govern it (and where it returns). Customers with no pool are governed
by the default pool, if one is marked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openfunnel.core.models import TimeStampedModel


class Pool(TimeStampedModel):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer pool")
        LEAD = "lead", _("Lead pool")

    class ClaimMode(models.TextChoices):
        FREE = "free", _("Free claim")
        ASSIGN = "assign", _("Manager assignment only")
        BOTH = "both", _("Free claim and manager assignment")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CUSTOMER)
    is_default = models.BooleanField(
        _("default pool"), default=False,
        help_text=_("Governs the customers (or, in a lead pool, the leads) that never came from a pool; "
                    "one customer pool and one lead pool at most."))
    member_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="pools",
                                          verbose_name=_("member users"))
    member_departments = models.ManyToManyField("accounts.Department", blank=True, related_name="pools",
                                                verbose_name=_("member departments"),
                                                help_text=_("Sub-departments are members too."))
    claim_mode = models.CharField(_("claim mode"), max_length=10, choices=ClaimMode.choices,
                                  default=ClaimMode.BOTH)
    max_owned_per_user = models.PositiveIntegerField(_("maximum customers owned per user"), null=True, blank=True,
                                                     help_text=_("Empty: no limit."))
    daily_claim_limit = models.PositiveIntegerField(_("daily claim limit"), null=True, blank=True,
                                                    help_text=_("Empty: no limit."))
    reclaim_after_claim_days = models.PositiveIntegerField(
        _("reclaim: no follow-up within N days after claim or assignment"), null=True, blank=True)
    reclaim_no_follow_up_days = models.PositiveIntegerField(
        _("reclaim: no follow-up within N days since the last one"), null=True, blank=True)
    reclaim_no_deal_days = models.PositiveIntegerField(
        _("reclaim: no won deal within N days of ownership"), null=True, blank=True)
    warn_days_before = models.PositiveIntegerField(_("warn the owner N days before reclaim"), default=0)
    cooldown_days = models.PositiveIntegerField(_("cooldown days before a former owner may claim again"),
                                                default=0)
    reclaim_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("reclaimed customers go to"),
                                   help_text=_("Empty: this pool."))
    members_see_history = models.BooleanField(
        _("members see the history of pool customers"), default=False,
        help_text=_("Follow-ups, opportunities, contacts and files. Otherwise members see the basic fields only."))
    exempt_signed_contract = models.BooleanField(_("exempt customers with a signed contract"), default=True)
    exempt_stage = models.ForeignKey("sales.Stage", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+",
                                     verbose_name=_("exempt customers with an opportunity at or beyond"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")
        constraints = [models.UniqueConstraint(fields=["kind", "is_default"], condition=models.Q(is_default=True),
                                               name="pool_one_default_per_kind")]

    def __str__(self) -> str:
        return self.name


class PoolLevelRule(models.Model):
    """Reclaim days for one customer level in one pool; an empty value keeps the pool's own."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="level_rules")
    level = models.ForeignKey("customers.CustomerLevel", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("level"))
    reclaim_after_claim_days = models.PositiveIntegerField(null=True, blank=True)
    reclaim_no_follow_up_days = models.PositiveIntegerField(null=True, blank=True)
    reclaim_no_deal_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pool", "level"], name="pool_level_rule_unique")]


class PoolEvent(models.Model):
    """One claim / assign / release / transfer / reclaim: the pool log and the source of pool statistics."""

    class Kind(models.TextChoices):
        CLAIM = "claim", pgettext_lazy("pool event", "Claim")
        ASSIGN = "assign", pgettext_lazy("pool event", "Assignment")
        RELEASE = "release", pgettext_lazy("pool event", "Release")
        TRANSFER = "transfer", pgettext_lazy("pool event", "Transfer")
        RECLAIM = "reclaim", pgettext_lazy("pool event", "Reclaim")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.SET_NULL, related_name="events",
                             verbose_name=_("pool"))
    # customer and user: no index of their own, Meta.indexes lead with them (migration 0005)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="pool_events", verbose_name=_("customer"), db_index=False)
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="pool_events", verbose_name=_("lead"))
    # The rep concerned: who claimed / received it, or who lost it on release / reclaim.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="pool_events", verbose_name=_("user"), db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("by"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    rule = models.CharField(_("rule"), max_length=20, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "kind", "at"], name="pool_event_user_kind"),
            models.Index(fields=["customer", "user", "kind"], name="pool_event_customer_user"),
        ]


class ReclaimWarning(models.Model):
    """A warning sent to an owner about one upcoming reclaim of a customer or a lead; unique, so two workers
    warn once."""

    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    rule = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "owner", "due_on"], name="reclaim_warning_once"),
            models.UniqueConstraint(fields=["lead", "owner", "due_on"], name="reclaim_warning_lead_once"),
            models.CheckConstraint(condition=models.Q(customer__isnull=True) ^ models.Q(lead__isnull=True),
                                   name="reclaim_warning_customer_or_lead"),
        ]
