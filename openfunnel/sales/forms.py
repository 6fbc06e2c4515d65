"""Web forms of opportunities and pipelines; they parse input, the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.scope import has_perm, visible_owner_ids
from openfunnel.catalog.selectors import products_active
from openfunnel.core.choices import Source
from openfunnel.customers.models import Contact
from openfunnel.sales.models import LostReason, Opportunity, Pipeline, Stage
from openfunnel.sales.requirements import FILLABLE_FIELDS, REQUIRABLE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def users_in_scope(actor: Any) -> Any:
    User = get_user_model()
    ids = visible_owner_ids(actor)
    users = User.objects.filter(is_active=True)
    return (users if ids is None else users.filter(pk__in=ids)).order_by("name", "username")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _campaign_field() -> forms.ModelChoiceField:
    from openfunnel.leads.models import Campaign

    return forms.ModelChoiceField(queryset=Campaign.objects.order_by("-start_date", "-id"), required=False,
                                  label=_("Campaign"))


class OpportunityCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    customer = forms.ModelChoiceField(queryset=None, label=_("Customer"))
    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.filter(is_active=True), label=_("Pipeline"),
                                      required=False, empty_label=_("Default pipeline"))
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DATE)
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner"), required=False, empty_label=_("Me"))
    source = forms.ChoiceField(choices=[("", "—"), *Source.choices], label=_("Source"), required=False)
    forecast_category = forms.ChoiceField(label=_("Forecast category"), initial="pipeline",
                                          choices=[(c.value, c.label) for c in Opportunity.ForecastCategory
                                                   if c.value in ("pipeline", "best_case", "commit")])
    difficulty = forms.DecimalField(label=_("Difficulty coefficient"), max_digits=4, decimal_places=2, min_value=0,
                                    required=False, initial="1.00")
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    competitor = forms.CharField(label=_("Competitor"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=10000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        from openfunnel.customers.selectors import customers_visible_to

        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_visible_to(actor).order_by("name")
        self.fields["owner"].queryset = users_in_scope(actor)
        self.fields["owner"].picker = "scope_active"  # web.choices: searched, not listed
        self.fields["campaign"] = _campaign_field()

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.setdefault("source", "")
        return data


class OpportunityEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    amount_from_lines = forms.BooleanField(label=_("Amount follows the product lines"), required=False)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DATE)
    probability = forms.IntegerField(label=_("Win probability %"), min_value=0, max_value=100, required=False)
    forecast_category = forms.ChoiceField(label=_("Forecast category"),
                                          choices=[(c.value, c.label) for c in Opportunity.ForecastCategory
                                                   if c.value in ("pipeline", "best_case", "commit")])
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner"))
    source = forms.ChoiceField(choices=[("", "—"), *Source.choices], label=_("Source"), required=False)
    difficulty = forms.DecimalField(label=_("Difficulty coefficient"), max_digits=4, decimal_places=2, min_value=0)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    competitor = forms.CharField(label=_("Competitor"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=10000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        initial = {name: getattr(opportunity, name) for name in (
            "name", "amount", "amount_from_lines", "expected_close_date", "probability", "forecast_category",
            "source", "difficulty", "next_step", "competitor", "description", "version")}
        initial.update(owner=opportunity.owner_id, campaign=opportunity.campaign_id)
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["campaign"] = _campaign_field()
        self.fields["owner"].queryset = users_in_scope(actor) | get_user_model().objects.filter(pk=opportunity.owner_id)
        self.fields["owner"].picker = "scope_active"
        if not has_perm(actor, "opportunities.transfer"):
            del self.fields["owner"]
        if not opportunity.pipeline.allow_probability_override or not opportunity.is_open:
            del self.fields["probability"]
        if not opportunity.is_open:
            del self.fields["forecast_category"]
        self.opportunity = opportunity

    def changed_values(self) -> dict[str, Any]:
        """Only what the user changed, so that a PATCH of the rest stays untouched."""
        data = {}
        for name in self.changed_data:
            if name == "version":
                continue
            value = self.cleaned_data[name]
            if name == "amount" and value is None:
                value = 0
            if name == "owner":
                value = value.pk if value else None
            data[name] = value
        if "amount" in data and self.cleaned_data.get("amount_from_lines"):
            data.pop("amount")
        return data


class MoveForm(forms.Form):
    """What a refused move asks for: only the missing fields are shown, all of them are optional here
    (the service decides what is still missing)."""

    stage = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DATE)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    competitor = forms.CharField(label=_("Competitor"), max_length=200, required=False)
    source = forms.ChoiceField(choices=[("", "—"), *Source.choices], label=_("Source"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=10000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), label=_("Involved contact"), required=False)
    contact_role = forms.ChoiceField(choices=[("", "—"), *Contact.DecisionRole.choices], label=_("Decision role"),
                                     required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    lost_reason = forms.ModelChoiceField(queryset=LostReason.objects.filter(is_active=True), label=_("Lost reason"),
                                         required=False)
    lost_note = forms.CharField(label=_("Note"), max_length=2000, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))

    FIELD_FOR = {"contacts": ["contact", "contact_role"], "decision_maker": ["contact", "contact_role"],
                 "attachments": ["attachments"], "lost_reason": ["lost_reason", "lost_note"]}

    def __init__(self, *args: Any, opportunity: Opportunity, missing: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"] = _campaign_field()
        self.fields["contact"].queryset = Contact.objects.filter(customer_id=opportunity.customer_id,
                                                                 deleted_at__isnull=True)
        if missing is not None:
            shown = {"stage"}
            for name in missing:
                shown.update(self.FIELD_FOR.get(name, [name]))
            for name in list(self.fields):
                if name not in shown:
                    del self.fields[name]
        if "decision_maker" in (missing or []) and "contact_role" in self.fields:
            self.fields["contact_role"].initial = "decision_maker"

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        fill = {name: data[name] for name in FILLABLE_FIELDS if data.get(name) not in (None, "")}
        if data.get("contact"):
            fill["contacts"] = [{"contact": data["contact"].pk, "role": data.get("contact_role") or ""}]
        return {"fill": fill, "files": data.get("attachments") or [], "lost_reason": data.get("lost_reason"),
                "lost_note": data.get("lost_note") or ""}


class LoseForm(forms.Form):
    reason = forms.ModelChoiceField(queryset=LostReason.objects.filter(is_active=True), label=_("Lost reason"))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LineForm(forms.Form):
    product = forms.ModelChoiceField(queryset=products_active(), label=_("Product"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=2, min_value=0, initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2, min_value=0,
                                    required=False, help_text=_("Empty: the list price."))
    discount_percent = forms.DecimalField(label=_("Discount %"), max_digits=5, decimal_places=2, min_value=0,
                                          max_value=100, required=False)


class ContactLinkForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), label=_("Contact"))
    role = forms.ChoiceField(choices=[("", "—"), *Contact.DecisionRole.choices], label=_("Decision role"),
                             required=False)

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer_id=opportunity.customer_id,
                                                                 deleted_at__isnull=True)


class ShareForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("name"),
                                  label=_("Collaborator"))
    user.picker = "active"  # web.choices: searched, not listed
    can_edit = forms.BooleanField(label=_("May edit"), required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Stage"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(pipeline_id=opportunity.pipeline_id, is_active=True)
        self.fields["stage"].initial = opportunity.stage_id


class PipelineForm(forms.ModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "description", "order", "is_active", "allow_probability_override", "close_reminder_days",
                  "auto_close_lost_after_days", "auto_close_lost_reason"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    probability = forms.IntegerField(label=_("Win probability %"), min_value=0, max_value=100, initial=0)
    guidance = forms.CharField(label=_("Guidance"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("The playbook shown to the rep while the opportunity is in this stage."))
    checklist = forms.CharField(label=_("Checklist"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One item per line."))
    required_fields = forms.MultipleChoiceField(label=_("Required to enter"), required=False,
                                                choices=list(REQUIRABLE_FIELDS.items()),
                                                widget=forms.CheckboxSelectMultiple)
    required_attachments = forms.IntegerField(label=_("Required attachments"), min_value=0, max_value=20, initial=0)
    max_days = forms.IntegerField(label=_("Maximum days in stage"), min_value=1, max_value=3650, required=False)

    def __init__(self, *args: Any, stage: Stage | None = None, **kwargs: Any) -> None:
        if stage is not None:
            kwargs.setdefault("initial", {
                "name": stage.name, "probability": stage.probability, "guidance": stage.guidance,
                "checklist": "\n".join(stage.checklist or []), "required_fields": stage.required_fields,
                "required_attachments": stage.required_attachments, "max_days": stage.max_days})
        super().__init__(*args, **kwargs)
        self.fields["required_fields"].choices = [(k, str(v)) for k, v in REQUIRABLE_FIELDS.items()]
        if stage is not None and stage.kind != Stage.Kind.OPEN:
            del self.fields["probability"]
            del self.fields["max_days"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["checklist"] = [line.strip() for line in (data.get("checklist") or "").splitlines() if line.strip()]
        return data


class StageRetireForm(forms.Form):
    move_to = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Move its open opportunities to"),
                                     required=False)

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = Stage.objects.filter(pipeline_id=stage.pipeline_id, kind=Stage.Kind.OPEN,
                                                               is_active=True).exclude(pk=stage.pk)


class LostReasonForm(forms.ModelForm):
    class Meta:
        model = LostReason
        fields = ["name", "order", "is_active"]

    def validate_unique(self) -> None:
        return None  # the service reports duplicates on the field


class PipelineCreateForm(PipelineForm):
    stage_names = forms.CharField(label=_("Stages"), widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("One open stage per line, in order; won and lost stages are added. "
                                              "Probabilities and requirements are set per stage afterwards."))

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "stage_names"}
        names = [line.strip() for line in self.cleaned_data["stage_names"].splitlines() if line.strip()]
        step = 90 // (len(names) + 1) if names else 0
        data["stages"] = [{"name": name, "probability": step * (i + 1)} for i, name in enumerate(names)]
        return data
