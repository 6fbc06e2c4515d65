from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One row per write: the audit log, the customer/lead timeline and the domain-event outbox.

    `customer_id` / `lead_id` say on whose timeline the event appears (a follow-up on a contact
    appears on its customer's timeline). `changes` is {field: [before, after]}.
    `dispatched_at` is set once automation, notifications and webhooks have consumed the event.
    """

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("actor"))
    verb = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    lead_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "-at"], name="event_customer_timeline"),
            models.Index(fields=["lead_id", "-at"], name="event_lead_timeline"),
            models.Index(fields=["object_type", "object_id", "-at"], name="event_object_history"),
            models.Index(fields=["-at"], name="event_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_type}#{self.object_id}"
