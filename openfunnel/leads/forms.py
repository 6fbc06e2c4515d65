from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.scope import has_perm
from openfunnel.core.api import MAX_ID
from openfunnel.core.errors import ValidationFailed
from openfunnel.customers.dedup import clean_phone, clean_uscc
from openfunnel.leads.models import Campaign, Lead
from openfunnel.leads.selectors import assignable_users, campaign_choices, leads_visible_to


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "channel", "start_date", "end_date", "cost", "description"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}),
                   "end_date": forms.DateInput(attrs={"type": "date"})}


def _user_label(user: Any) -> str:
    return user.display_name


class LeadForm(forms.ModelForm):
    """Create and edit a lead. The owner field is offered on create to holders of leads.assign only
    (everyone else creates leads for themselves); edits carry the version they started from."""

    LEAD_POOL = ""

    class Meta:
        model = Lead
        fields = ["company", "name", "title", "phone", "email", "uscc", "region", "source", "campaign",
                  "next_follow_up_at", "notes"]
        widgets = {"next_follow_up_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"),
                   "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaign_choices(actor)
        self.fields["uscc"].max_length = 18
        if self.instance.pk is None:
            if has_perm(actor, "leads.assign"):
                self.fields["owner"] = forms.ModelChoiceField(
                    queryset=assignable_users(actor), required=False, initial=actor.pk, label=_("Owner"),
                    empty_label=_("— Lead pool (no owner) —"),
                    help_text=_("Leave it in the lead pool to hand it out later."))
                self.fields["owner"].label_from_instance = _user_label
                self.order_fields(["company", "name", "title", "phone", "email", "uscc", "region", "source",
                                   "campaign", "owner", "next_follow_up_at", "notes"])
        else:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=self.instance.version,
                                                        min_value=1)

    # Checked here too (the service checks again) so that every wrong field is shown at once.
    def clean_phone(self) -> str:
        return _domain_check(lambda value: clean_phone(value), self.cleaned_data.get("phone", ""))

    def clean_uscc(self) -> str:
        return _domain_check(lambda value: clean_uscc(value), self.cleaned_data.get("uscc", ""))


def _domain_check(check: Any, value: str) -> str:
    try:
        check(value)
    except ValidationFailed as error:
        raise forms.ValidationError([str(m) for messages in error.fields.values() for m in messages]) from None
    return value


class LeadOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label=_("New owner"))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_users(actor)
        self.fields["owner"].picker = "scope_active"  # web.choices: searched, not listed
        self.fields["owner"].label_from_instance = _user_label


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id that refuses ids no database could hold (instead of a 500)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            text = str(pk)
            if not text.isdigit() or not 0 < int(text) <= MAX_ID:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": pk})
        return super()._check_values(value)


class LeadBatchAssignForm(forms.Form):
    """Hands the leads ticked on the list page to one user, or round-robin across several."""

    leads = IdMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput, label=_("Leads"),
                                           error_messages={"required": _("Tick the leads to assign first.")})
    owners = IdMultipleChoiceField(queryset=None, label=_("Assign to"), widget=forms.SelectMultiple(attrs={"size": 4}),
                                            help_text=_("Choose several users to deal the leads out in turn."))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leads"].queryset = leads_visible_to(actor)
        self.fields["owners"].queryset = assignable_users(actor)
        self.fields["owners"].label_from_instance = _user_label


class LeadConvertForm(forms.Form):
    NEW, EXISTING = "new", "existing"

    mode = forms.ChoiceField(choices=[(NEW, _("Create a new customer")), (EXISTING, _("Add to an existing customer"))],
                             widget=forms.RadioSelect, initial=NEW, label=_("Customer"))
    customer = forms.ModelChoiceField(queryset=None, required=False, label=_("Existing customer"),
                                      help_text=_("Customers you can see whose name, USCC, phone or e-mail "
                                                  "match this lead."))

    create_opportunity = forms.BooleanField(required=False, label=_("Also create an opportunity"))
    opportunity_name = forms.CharField(required=False, max_length=200, label=_("Opportunity name"),
                                       help_text=_("Defaults to the company name."))
    opportunity_amount = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2,
                                            label=_("Expected amount"))
    expected_close_date = forms.DateField(required=False, label=_("Expected close date"),
                                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actor: Any, suggestions: list[Any], **kwargs: Any) -> None:
        from openfunnel.customers.selectors import customers_visible_to

        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        field.queryset = customers_visible_to(actor)
        # Any visible customer is accepted; the list offers the matching ones (the table may be huge).
        field.widget.choices = [("", "---------")] + [
            (c.pk, f"{c.name} ({c.owner.display_name if c.owner else _('pool')})") for c in suggestions]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mode") == self.EXISTING and not data.get("customer"):
            self.add_error("customer", _("Choose the customer to add this lead to."))
        return data

    def opportunity(self) -> dict[str, Any]:
        """The opportunity part of lead_convert's input, from the optional fields."""
        data = self.cleaned_data
        values = {"name": data.get("opportunity_name"), "amount": data.get("opportunity_amount"),
                  "expected_close_date": data.get("expected_close_date")}
        return {key: value for key, value in values.items() if value not in (None, "")}
