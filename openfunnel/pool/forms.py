"""Web forms of the pool: settings (admins), claim, assign and release. They parse input; services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openfunnel.pool.models import Pool
from openfunnel.pool.services.claim import MAX_BATCH

DAY_HELP = _("Empty: the rule is off.")


class PoolForm(forms.ModelForm):
    class Meta:
        model = Pool
        fields = ["name", "kind", "is_default", "member_users", "member_departments", "claim_mode",
                  "max_owned_per_user", "daily_claim_limit", "reclaim_after_claim_days", "reclaim_no_follow_up_days",
                  "reclaim_no_deal_days", "warn_days_before", "cooldown_days", "reclaim_to", "members_see_history", "exempt_signed_contract",
                  "exempt_stage"]
        widgets = {"member_users": forms.SelectMultiple(attrs={"size": 6}),
                   "member_departments": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openfunnel.accounts.models import User

        self.fields["member_users"].queryset = User.objects.filter(is_active=True).order_by("name", "username")
        self.fields["reclaim_to"].queryset = Pool.objects.filter(kind=Pool.Kind.CUSTOMER)
        self.fields["exempt_stage"].queryset = self.fields["exempt_stage"].queryset.select_related("pipeline")
        self.fields["exempt_stage"].label_from_instance = lambda s: f"{s.pipeline.name} · {s.name}"
        for name in ("reclaim_after_claim_days", "reclaim_no_follow_up_days", "reclaim_no_deal_days"):
            self.fields[name].help_text = DAY_HELP
        self._add_level_fields()
        for name in ("max_owned_per_user", "daily_claim_limit", "reclaim_after_claim_days",
                     "reclaim_no_follow_up_days", "reclaim_no_deal_days", "warn_days_before", "cooldown_days"):
            self.fields[name].max_value = 36500
            self.fields[name].widget.attrs["max"] = 36500

    LEVEL_RULES = (("reclaim_after_claim_days", _("%(level)s: no follow-up after claim (days)")),
                   ("reclaim_no_follow_up_days", _("%(level)s: no follow-up since the last one (days)")),
                   ("reclaim_no_deal_days", _("%(level)s: no won deal (days)")))

    def _add_level_fields(self) -> None:
        """Per-level overrides of the reclaim days: three optional numbers per active customer level."""
        from openfunnel.customers.selectors import levels_active

        current = {r.level_id: r for r in self.instance.level_rules.all()} if self.instance.pk else {}
        self.level_ids: list[int] = []
        for level in levels_active():
            self.level_ids.append(level.pk)
            for rule, label in self.LEVEL_RULES:
                self.fields[f"level_{level.pk}_{rule}"] = forms.IntegerField(
                    label=str(label) % {"level": level.name}, required=False, min_value=0, max_value=36500,
                    help_text=_("Empty: the pool's own days."),
                    initial=getattr(current.get(level.pk), rule, None))

    def _post_clean(self) -> None:
        # The service validates and saves; the model form only parses (no instance mutation here).
        pass

    def service_args(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        users, departments = data.pop("member_users"), data.pop("member_departments")
        level_rules = []
        for level_id in self.level_ids:
            row = {rule: data.pop(f"level_{level_id}_{rule}", None) for rule, _label in self.LEVEL_RULES}
            level_rules.append({"level": level_id, **row})
        return {"values": data, "member_users": list(users), "member_departments": list(departments),
                "level_rules": level_rules}


class ReleaseForm(forms.Form):
    pool = forms.ModelChoiceField(queryset=Pool.objects.none(), label=_("Pool"), required=False,
                                  empty_label=_("Its own pool"))
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.TextInput)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openfunnel.pool.selectors import pools_for_release

        self.fields["pool"].queryset = pools_for_release(actor)


class LeadReleaseForm(forms.Form):
    pool = forms.ModelChoiceField(queryset=Pool.objects.none(), label=_("Lead pool"), required=False,
                                  empty_label=_("The pool it came from"))
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.TextInput)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openfunnel.pool.selectors import lead_pools_for_release

        self.fields["pool"].queryset = lead_pools_for_release(actor)


class AssignForm(forms.Form):
    """The pool page's assignment bar: the ticked rows (`customers`, or `leads` in a lead pool), who gets them
    and how they are dealt."""

    STRATEGIES = [("single", _("All to the first chosen user")), ("round_robin", _("Round-robin")),
                  ("least_loaded", _("Least loaded first"))]
    owners = forms.ModelMultipleChoiceField(queryset=None, label=_("Assign to"))
    strategy = forms.ChoiceField(label=_("Distribution"), choices=STRATEGIES, initial="single")

    def __init__(self, *args: Any, actor: Any, ids: list[int], rows: str = "customers", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from openfunnel.customers.selectors import users_for_transfer

        self.rows = rows
        self.fields[rows] = forms.TypedMultipleChoiceField(
            label=_("Leads") if rows == "leads" else _("Customers"), coerce=int, choices=[(i, i) for i in ids])
        self.fields["owners"].queryset = users_for_transfer(actor)

    @property
    def rows_field(self) -> Any:
        return self[self.rows]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if len(data.get(self.rows) or []) > MAX_BATCH:
            self.add_error(self.rows, _("At most %(max)d at once.") % {"max": MAX_BATCH})
        return data


class DryRunForm(forms.Form):
    date = forms.DateField(label=_("Reclaim date"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_date(self) -> dt.date:
        value = self.cleaned_data["date"]
        if value.year < 2000 or value.year > 2200:
            raise forms.ValidationError(_("Choose a date between 2000 and 2200."))
        return value
