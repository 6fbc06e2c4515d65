"""Choice fields that cost no query per page.

* Company-wide reference data (levels, tags, campaigns, pipelines, stages, departments…) changes seldom and is
  offered by many forms and filters. Each worker process keeps the choice lists it built, keyed by a token that
  changes with every save or delete of such a row (accounts.ReferenceVersion, read with the signed-in user by
  accounts.authentication): a page reads the lists from memory, and a change is seen by every process at its
  next request.
* Users are offered through a search-as-you-type picker (`UserPicker`, web/static/web/app.js) that asks
  `web:user_picker` for 20 names at a time, instead of a <select> of every user of the company.

`lighten_form(form, user)` applies both to a form; ListPage does it to every filter form.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.scope import visible_owner_ids

# app_label.ModelName of the reference data whose choice lists are kept per process.
REFERENCE_MODELS = frozenset({
    "customers.CustomerLevel", "customers.Tag", "leads.Campaign", "sales.Pipeline", "sales.Stage",
    "sales.LostReason", "accounts.Department", "accounts.Role", "pool.Pool", "pool.PoolLevelRule",
})

_MAX_ENTRIES = 512
_lock = threading.Lock()
_cache: dict[Any, list[tuple[Any, Any]]] = {}
_cache_token: list[str | None] = [None]


def reference_changed(**_kwargs: Any) -> None:
    """Signal receiver (and callable after bulk writes): every process's choice lists are out of date."""
    from openfunnel.accounts.models import ReferenceVersion

    ReferenceVersion.objects.filter(pk=1).update(token=uuid.uuid4().hex)


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for label in REFERENCE_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(reference_changed, sender=model, dispatch_uid=f"refcache-save-{label}")
        post_delete.connect(reference_changed, sender=model, dispatch_uid=f"refcache-delete-{label}")
        # e.g. a pool's members: a choice list of "the pools I belong to" changes with them
        for m2m in model._meta.many_to_many:
            m2m_changed.connect(reference_changed, sender=m2m.remote_field.through,
                                dispatch_uid=f"refcache-m2m-{label}-{m2m.name}")


def clear() -> None:
    with _lock:
        _cache.clear()
        _cache_token[0] = None


def _model_label(queryset: QuerySet) -> str:
    meta = queryset.model._meta
    return f"{meta.app_label}.{meta.object_name}"


def _cached_choices(field: forms.ModelChoiceField, token: str) -> list[tuple[Any, Any]]:
    queryset = field.queryset
    sql, params = queryset.query.sql_with_params()
    key = (translation.get_language(), type(field).__qualname__, field.to_field_name, sql,
           tuple(str(p) for p in params))
    with _lock:
        if _cache_token[0] != token:
            _cache.clear()
            _cache_token[0] = token
        found = _cache.get(key)
    if found is not None:
        return found
    iterator = ModelChoiceIterator(field)
    choices = [iterator.choice(obj) for obj in queryset.all()]
    with _lock:
        if _cache_token[0] == token:
            if len(_cache) >= _MAX_ENTRIES:
                _cache.clear()
            _cache[key] = choices
    return choices


def reference_cached(user: Any, key: Any, compute: Callable[[], Any]) -> Any:
    """`compute()` — built from reference data only, the same for every user — kept by the process for as long
    as the reference token read with `user` is unchanged (computed every time without a token, e.g. via API)."""
    token = getattr(user, "reference_token", None)
    if not token:
        return compute()
    slot = ("value", key)
    with _lock:
        if _cache_token[0] != token:
            _cache.clear()
            _cache_token[0] = token
        if slot in _cache:
            return _cache[slot]
    value = compute()
    with _lock:
        if _cache_token[0] == token:
            _cache[slot] = value
    return value


class KeptChoices(ModelChoiceIterator):
    """The iterator of a choice field whose choices are the process's kept lists."""

    token = ""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from _cached_choices(self.field, self.token)

    def __len__(self) -> int:
        return len(_cached_choices(self.field, self.token)) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(_cached_choices(self.field, self.token))


def _cache_field(field: forms.ModelChoiceField, token: str) -> None:
    field.iterator = type("CachedIterator", (KeptChoices,), {"token": token})
    field.widget.choices = field.choices  # the widget holds an iterator of its own, made with the queryset
    if isinstance(field, forms.ModelMultipleChoiceField):
        return

    def to_python(value: Any) -> Any:
        if value in field.empty_values:
            return None
        if isinstance(value, field.queryset.model):
            return value
        attribute = field.to_field_name or "pk"
        for choice_value, _label in _cached_choices(field, token):
            instance = choice_value.instance
            if str(getattr(instance, attribute)) == str(value):
                return instance
        raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice",
                              params={"value": value})

    field.to_python = to_python  # type: ignore[method-assign]


# --- the user picker ------------------------------------------------------------------------------------

def _users_in_scope(actor: Any) -> QuerySet:
    users = get_user_model().objects.all()
    ids = visible_owner_ids(actor)
    return users if ids is None else users.filter(pk__in=ids)


# Which users a picker may offer; the form field's own queryset still decides what is accepted.
PICKER_SETS: dict[str, Callable[[Any], QuerySet]] = {
    "scope": _users_in_scope,                                              # filters: owners the actor sees
    "scope_active": lambda actor: _users_in_scope(actor).filter(is_active=True),   # transfer, assign
    "active": lambda actor: get_user_model().objects.filter(is_active=True),       # sharing across teams
}
PICKER_LIMIT = 20


def picker_users(*, actor: Any, set_name: str, query: str) -> list[Any]:
    users = PICKER_SETS.get(set_name, PICKER_SETS["scope"])(actor)
    query = query.strip()[:100]
    if query:
        users = users.filter(Q(name__icontains=query) | Q(username__icontains=query))
    return list(users.order_by("name", "username", "id").only("id", "name", "username")[:PICKER_LIMIT])


class UserPicker(forms.Select):
    """A <select> holding only the chosen user(s); app.js adds a search box that fills it from the server."""

    def __init__(self, field: forms.ModelChoiceField, set_name: str) -> None:
        super().__init__()
        self.field = field
        self.set_name = set_name
        self.known: dict[str, str] = {}
        self.allow_multiple_selected = isinstance(field, forms.ModelMultipleChoiceField)

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        attrs = {**(attrs or {}), "data-user-picker": f"{reverse('web:user_picker')}?set={self.set_name}",
                 "data-placeholder": str(_("Type a name…"))}
        return super().get_context(name, value, attrs)

    def optgroups(self, name: str, value: list[Any], attrs: Any = None) -> list[Any]:
        chosen = [str(v) for v in value if v not in (None, "")]
        # (a value no id could have — too long — is left out: the form says it is not a valid choice)
        missing = [v for v in chosen if v not in self.known and v.isdigit() and len(v) < 19]
        if missing:
            for user in self.field.queryset.filter(pk__in=missing):
                self.known[str(user.pk)] = self.field.label_from_instance(user)
        choices: list[tuple[Any, Any]] = []
        if not self.allow_multiple_selected and getattr(self.field, "empty_label", None) is not None:
            choices.append(("", self.field.empty_label))
        choices += [(v, self.known[v]) for v in chosen if v in self.known]
        self.choices = choices
        return super().optgroups(name, value, attrs)


def _pick_users(field: forms.ModelChoiceField, set_name: str) -> None:
    widget = UserPicker(field, set_name)
    widget.attrs.update(field.widget.attrs)
    field.widget = widget
    to_python = field.to_python

    def remembering(value: Any) -> Any:
        result = to_python(value)
        if result is not None and not isinstance(field, forms.ModelMultipleChoiceField):
            widget.known[str(result.pk)] = field.label_from_instance(result)
        return result

    if not isinstance(field, forms.ModelMultipleChoiceField):
        field.to_python = remembering  # type: ignore[method-assign]


def lighten_form(form: forms.BaseForm, user: Any, pickers: dict[str, str] | None = None,
                 default_picker: str | None = None) -> forms.BaseForm:
    """Reference choices from the process's lists; user fields as pickers of the PICKER_SETS name given by
    `pickers` (field name → set), by the field's own `picker` attribute, or by `default_picker`. render_form
    does this to every form page; call it before validating or rendering."""
    token = getattr(user, "reference_token", None)
    User = get_user_model()
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField) or isinstance(field.widget, forms.HiddenInput):
            continue
        if field.queryset is None:
            continue
        if field.queryset.model is User:
            set_name = (pickers or {}).get(name) or getattr(field, "picker", None) or default_picker
            if set_name:
                _pick_users(field, set_name)
        elif token and _model_label(field.queryset) in REFERENCE_MODELS:
            _cache_field(field, token)
    return form
