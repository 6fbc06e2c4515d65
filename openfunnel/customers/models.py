from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openfunnel.core.branches import BranchedQuerySet
from openfunnel.core.choices import CompanySize, Industry, Source
from openfunnel.core.links import pk_url
from openfunnel.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel


class CustomerLevel(models.Model):
    """Configurable grade (VIP / A / B / C); `order` sorts them, best first."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort order", "order"), default=0)
    is_active = models.BooleanField(pgettext_lazy("level", "active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("customer level")
        verbose_name_plural = _("customer levels")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("color"), max_length=7, default="#64748b")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Customer(TimeStampedModel, SoftDeleteModel, VersionedModel):
    class Status(models.TextChoices):
        POTENTIAL = "potential", pgettext_lazy("customer status", "Potential")
        DEAL = "deal", pgettext_lazy("customer status", "Deal")
        CHURNED = "churned", pgettext_lazy("customer status", "Churned")

    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    size = models.CharField(
        pgettext_lazy("company size", "size"), max_length=20, choices=CompanySize.choices, blank=True
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_key = models.CharField(max_length=30, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    website = models.CharField(_("website"), max_length=200, blank=True)
    level = models.ForeignKey(
        CustomerLevel,
        null=True,
        blank=True,
        db_index=False,   # customer_level_scope leads with it
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("level"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    campaign = models.ForeignKey(
        "leads.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("campaign"),
        db_index=False,
    )
    # owner and pool: no index of their own, Meta.indexes lead with them (see migration 0008)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("owner"),
        db_index=False,
    )
    owner_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    # The public pool: with owner NULL the customer is in `pool`; with an owner, `pool` is the pool whose
    # reclaim rules govern it (openfunnel.pool).
    pool = models.ForeignKey(
        "pool.Pool",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("public pool"),
        db_index=False,
    )
    pool_entered_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    pool_reason = models.CharField(_("why it is in the pool"), max_length=300, blank=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("previous owner"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.POTENTIAL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    notes = models.TextField(_("notes"), blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    # SoftDeleteModel's, with a partial index of the deleted rows only (Meta.indexes, migration 0011)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("deleted by"), db_index=False)

    # the lists read a page of a scope branch by branch (customers.selectors.customer_list)
    objects = BranchedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "-last_follow_up_at"], name="customer_owner_followup"),
            # deleted_at rides along: a claim counts the claimer's customers (the pool's owned limit) from the
            # index alone instead of visiting each customer's page (~400 per rep: 0.87 -> 0.07 ms)
            models.Index(fields=["owner", "-id"], include=["deleted_at"], name="customer_owner_recent"),
            models.Index(fields=["pool", "owner"], name="customer_pool_owner"),
            # a list filtered by level, counted branch by branch of the scope (core.branches): each branch's
            # rows of a level are a range of it, read without the table (on SQLite the rowid is the id)
            models.Index(fields=["level", "owner", "pool", "deleted_at"], include=["id"], name="customer_level_scope"),
            # the list's default order: a large scope reads its first page off this index
            models.Index(fields=["-created_at", "-id"], name="customer_recent"),
            # the recycle bin's customers, few: "not on a deleted customer" is a NOT IN of these ids
            # (sales.selectors.live_customer_q) instead of a join to every row's customer
            models.Index(fields=["id"], condition=models.Q(deleted_at__isnull=False), name="customer_deleted_ids"),
            # foreign keys most customers leave empty: only the rows that have one (every lookup names a value)
            models.Index(fields=["campaign"], condition=models.Q(campaign__isnull=False), name="customer_campaign"),
            models.Index(fields=["deleted_by"], condition=models.Q(deleted_by__isnull=False),
                         name="customer_deleted_by"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return pk_url("customers:detail", self.pk)


class CustomerShare(models.Model):
    """A collaborator: another user who may read (or also edit) the customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shared_customers",
        verbose_name=_("user"),
    )
    can_edit = models.BooleanField(_("may edit"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="customer_share_unique")]


class Contact(TimeStampedModel, SoftDeleteModel, VersionedModel):
    class DecisionRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        SUPPORTER = "supporter", _("Supporter")
        USER = "user", pgettext_lazy("decision role", "User")
        BLOCKER = "blocker", _("Blocker")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_key = models.CharField(max_length=30, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    decision_role = models.CharField(
        _("decision role"), max_length=20, choices=DecisionRole.choices, blank=True
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return pk_url("customers:contact_detail", self.pk)


class DedupSettings(models.Model):
    """Which fields the anti-collision check compares (one row; admins edit it)."""

    check_name = models.BooleanField(_("company name"), default=True)
    check_uscc = models.BooleanField(_("unified social credit code"), default=True)
    check_phone = models.BooleanField(_("phone"), default=True)
    check_email = models.BooleanField(_("e-mail"), default=True)

    class Meta:
        verbose_name = _("duplicate check settings")

    @classmethod
    def current(cls) -> DedupSettings:
        return cls.objects.first() or cls()
