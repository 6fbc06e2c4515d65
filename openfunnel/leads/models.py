from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openfunnel.core.choices import Source
from openfunnel.core.links import pk_url
from openfunnel.core.models import SoftDeleteModel, TimeStampedModel, VersionedModel


class Campaign(TimeStampedModel):
    class Channel(models.TextChoices):
        TRADE_SHOW = "trade_show", pgettext_lazy("campaign channel", "Trade show")
        ONLINE_ADS = "online_ads", pgettext_lazy("campaign channel", "Online ads")
        WECHAT = "wechat", pgettext_lazy("campaign channel", "WeChat")
        EMAIL = "email", pgettext_lazy("campaign channel", "E-mail")
        SEMINAR = "seminar", pgettext_lazy("campaign channel", "Seminar")
        CONTENT = "content", pgettext_lazy("campaign channel", "Content")
        PARTNER = "partner", pgettext_lazy("campaign channel", "Partner")
        OTHER = "other", pgettext_lazy("campaign channel", "Other")

    name = models.CharField(pgettext_lazy("campaign", "name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return pk_url("leads:campaign_detail", self.pk)


class Lead(TimeStampedModel, SoftDeleteModel, VersionedModel):
    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("lead status", "New")
        CONTACTED = "contacted", pgettext_lazy("lead status", "Contacted")
        QUALIFIED = "qualified", pgettext_lazy("lead status", "Qualified")
        CONVERTED = "converted", pgettext_lazy("lead status", "Converted")
        INVALID = "invalid", pgettext_lazy("lead status", "Invalid")

    company = models.CharField(_("company"), max_length=200)
    company_key = models.CharField(max_length=200, db_index=True, editable=False)
    name = models.CharField(_("contact person"), max_length=100, blank=True)
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_key = models.CharField(max_length=30, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads",
                                 verbose_name=_("campaign"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="leads", verbose_name=_("owner"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    notes = models.TextField(_("notes"), blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="source_leads", verbose_name=_("converted to customer"))
    converted_contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="source_leads", verbose_name=_("converted to contact"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [models.Index(fields=["owner", "status", "-id"], name="lead_owner_status")]

    def __str__(self) -> str:
        return self.company

    def get_absolute_url(self) -> str:
        return pk_url("leads:detail", self.pk)

    @property
    def is_converted(self) -> bool:
        return self.status == self.Status.CONVERTED
