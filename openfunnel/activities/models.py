from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openfunnel.core.models import SoftDeleteModel, TimeStampedModel


class Activity(TimeStampedModel, SoftDeleteModel):
    """A follow-up record (跟进记录) on a lead or a customer, optionally about one of its contacts or
    opportunities (then it shows on the opportunity and on the customer's timeline)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        WECHAT = "wechat", _("WeChat")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CALL)
    content = models.TextField(_("content"))
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities",
                               verbose_name=_("author"))
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="activities", verbose_name=_("lead"))
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="activities", verbose_name=_("customer"))
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="activities", verbose_name=_("contact"))
    opportunity = models.ForeignKey("sales.Opportunity", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="activities", verbose_name=_("opportunity"))
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in",
                                      verbose_name=_("mentions"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="activity_customer_recent"),
            models.Index(fields=["lead", "-occurred_at"], name="activity_lead_recent"),
            models.Index(fields=["author", "-occurred_at"], name="activity_author_recent"),
            models.Index(fields=["opportunity", "-occurred_at"], name="activity_opportunity_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.content[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    """A file attached to a follow-up or a customer; visible to whoever may see its parent."""

    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="attachments")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="attachments")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Task(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks",
                                 verbose_name=_("assignee"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="tasks", verbose_name=_("customer"))
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="tasks", verbose_name=_("lead"))
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tasks", verbose_name=_("contact"))

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due")]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A dated reminder for one user (from a next follow-up time or a task); the reminder job notifies it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField(_("due"))
    message = models.CharField(_("message"), max_length=300)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="reminders")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    notified_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["notified_at", "due_at"], name="reminder_due"),
                   models.Index(fields=["user", "done_at", "due_at"], name="reminder_user_open")]

    def __str__(self) -> str:
        return self.message

    @property
    def url(self) -> str:
        """The page of the customer or lead this reminder is about ("" when that page is not there)."""
        from openfunnel.activities.links import record_url

        return record_url(customer_id=self.customer_id, lead_id=self.lead_id)
