from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.scope import has_perm
from openfunnel.customers import selectors
from openfunnel.customers.models import Contact, Customer, CustomerLevel, DedupSettings, Tag

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CustomerForm(forms.ModelForm):
    # Coordinates as people paste them (any precision); the service rounds to the stored 6 places.
    lat = forms.DecimalField(
        label=capfirst(_("latitude")),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    lng = forms.DecimalField(
        label=capfirst(_("longitude")),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    next_follow_up_at = forms.DateTimeField(
        label=capfirst(_("next follow-up")), required=False, widget=DATETIME
    )
    uscc = forms.CharField(label=capfirst(_("unified social credit code")), required=False, max_length=30)

    class Meta:
        model = Customer
        fields = [
            "name",
            "uscc",
            "status",
            "level",
            "industry",
            "size",
            "source",
            "campaign",
            "phone",
            "email",
            "website",
            "region",
            "address",
            "lat",
            "lng",
            "next_follow_up_at",
            "tags",
            "notes",
        ]
        widgets = {"tags": forms.CheckboxSelectMultiple, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.level_id if self.instance.pk else None
        levels = selectors.levels_all().filter(is_active=True)
        if current:
            levels = selectors.levels_all().filter(is_active=True) | selectors.levels_all().filter(pk=current)
        self.fields["level"].queryset = levels.distinct()
        self.fields["tags"].queryset = selectors.tags_all()
        self.fields["tags"].required = False
        if not self.fields["tags"].queryset.exists():
            del self.fields["tags"]  # nothing to choose until an administrator adds tags
        if self.instance.pk:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version
            )
        elif has_perm(actor, "customers.transfer"):
            self.fields["owner"] = forms.ModelChoiceField(
                label=capfirst(_("owner")),
                queryset=selectors.users_for_transfer(actor),
                initial=actor.pk,
                required=False,
            )
            self.fields["owner"].picker = "scope_active"  # web.choices: searched, not listed
            self.order_fields(["name", "uscc", "owner"])

    def _post_clean(self) -> None:
        # Model validation would compare the unrounded coordinates with the column's precision: the
        # service validates and normalizes instead.
        pass

    def changes(self) -> dict[str, Any]:
        """The fields the user changed (for customer_update)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.Meta.fields}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "phone",
            "email",
            "wechat",
            "birthday",
            "decision_role",
            "is_primary",
            "notes",
        ]
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version
            )

    def _post_clean(self) -> None:
        pass  # the service validates (and the phone as a phone number)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.Meta.fields}


class TransferForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=None)

    def __init__(self, *args: Any, actor: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.users_for_transfer(actor).exclude(pk=customer.owner_id)
        self.fields["owner"].picker = "scope_active"


class ShareForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Collaborator"), queryset=None)
    can_edit = forms.BooleanField(label=_("May edit"), required=False)

    def __init__(self, *args: Any, actor: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.users_for_sharing(actor).exclude(pk=customer.owner_id)
        self.fields["user"].picker = "active"


class LevelForm(forms.ModelForm):
    class Meta:
        model = CustomerLevel
        fields = ["code", "name", "order", "is_active"]

    def _post_clean(self) -> None:
        pass  # uniqueness (case-insensitive) is the service's rule

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def _post_clean(self) -> None:
        pass

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class DedupSettingsForm(forms.ModelForm):
    class Meta:
        model = DedupSettings
        fields = ["check_name", "check_uscc", "check_phone", "check_email"]
