"""Web forms of follow-ups and tasks; the services do the real validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openfunnel.activities.models import Activity, Task
from openfunnel.activities.services.attachments import MAX_FILES
from openfunnel.activities.services.follow_ups import CONTENT_MAX

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _files_hint() -> str:
    return gettext("Up to %(n)d files, 10 MB each.") % {"n": MAX_FILES}


# Lazy, so that the hint is translated per request instead of once at import time.
_files_help = lazy(_files_hint, str)()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type="file" multiple>."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices, initial=Activity.Kind.CALL)
    occurred_at = forms.DateTimeField(label=_("Time"), required=False, widget=DateTimeLocalInput())
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)  # type: ignore[arg-type]
    content = forms.CharField(label=_("Content"), max_length=CONTENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Type @username to notify a colleague."))
    next_follow_up_at = forms.DateTimeField(label=_("Next follow-up"), required=False, widget=DateTimeLocalInput())
    files = MultipleFileField(label=_("Attachments"), required=False,
                              help_text=_files_help)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput())
    lead = forms.IntegerField(required=False, widget=forms.HiddenInput())
    opportunity = forms.IntegerField(required=False, widget=forms.HiddenInput())
    next = forms.CharField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args: Any, customer: Any = None, lead: Any = None, contacts: Any = None,
                 opportunity: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if customer is not None and contacts is not None:
            self.fields["contact"].queryset = contacts
        else:
            del self.fields["contact"]
        if customer is not None:
            self.fields["customer"].initial = customer.pk
        if lead is not None:
            self.fields["lead"].initial = lead.pk
        if opportunity is not None:
            self.fields["opportunity"].initial = opportunity.pk


class ActivityEditForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    occurred_at = forms.DateTimeField(label=_("Time"), widget=DateTimeLocalInput())
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)  # type: ignore[arg-type]
    content = forms.CharField(label=_("Content"), max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    next_follow_up_at = forms.DateTimeField(label=_("Next follow-up"), required=False, widget=DateTimeLocalInput())

    def __init__(self, *args: Any, contacts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if contacts is not None:
            self.fields["contact"].queryset = contacts
        else:
            del self.fields["contact"]


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False,  # type: ignore[arg-type]
                                      help_text=_("Leave empty to assign it to yourself."))
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DateTimeLocalInput())
    remind_at = forms.DateTimeField(label=_("Remind at"), required=False, widget=DateTimeLocalInput())
    priority = forms.ChoiceField(label=_("Priority"), choices=Task.Priority.choices, initial=Task.Priority.NORMAL)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput())
    lead = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees if assignees is not None else get_user_model().objects.none()
        self.fields["assignee"].label_from_instance = lambda user: user.display_name


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), max_length=255, help_text=_("At most 10 MB."))
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput())
    lead = forms.IntegerField(required=False, widget=forms.HiddenInput())
    next = forms.CharField(required=False, widget=forms.HiddenInput())
