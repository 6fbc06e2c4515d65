"""CompiledQuery: the SQL compiled once answers every later id as the ORM would."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext

from openfunnel.accounts.models import User
from openfunnel.automation.models import Notification
from openfunnel.core.compiled import CompiledQuery


def _users_with_unread(user_id):
    unread = (Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True).order_by()
              .values("recipient").annotate(n=Count("id")).values("n"))
    return (User.objects.select_related("role", "department")
            .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0)).filter(pk=user_id))


def _snapshot(user):
    return ({f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}, user.unread,
            user.role.code, user.department.name)


def test_every_id_gets_what_the_orm_gives(personas):
    Notification.objects.create(recipient=personas.bob, kind="mention", message="Hello")
    compiled = CompiledQuery(_users_with_unread)
    for user in (personas.alice, personas.bob, personas.carol, personas.alice):
        found = compiled.first(user.pk)
        assert _snapshot(found) == _snapshot(_users_with_unread(user.pk).get())
        assert found._state.adding is False and found._state.db == "default"
        assert found.last_login == User.objects.get(pk=user.pk).last_login   # converters applied (SQLite)
    assert compiled.first(987654) is None and compiled.all(987654) == []


def test_the_sql_is_compiled_once_per_shape(personas, monkeypatch):
    compiled = CompiledQuery(lambda ids: User.objects.filter(pk__in=ids).order_by("pk"))
    assert [u.pk for u in compiled.all([personas.alice.pk])] == [personas.alice.pk]
    built = []

    def build(ids):
        built.append(ids)
        return User.objects.filter(pk__in=ids).order_by("-pk")

    monkeypatch.setattr(compiled, "build", build)
    assert [u.pk for u in compiled.all([personas.bob.pk])] == [personas.bob.pk]   # the same shape: kept SQL
    assert not built
    two = sorted([personas.carol.pk, personas.bob.pk])
    assert [u.pk for u in compiled.all(two)] == two[::-1]   # another length: another shape, built anew
    assert len(built) == 1
    with CaptureQueriesContext(connection) as captured:
        assert compiled.all([]) == []   # no id: no row, and no query
    assert not captured.captured_queries


def test_an_id_that_does_not_reach_the_sql_is_refused(personas):
    with pytest.raises(ValueError):
        CompiledQuery(lambda user_id: User.objects.filter(pk=personas.alice.pk)).first(personas.bob.pk)
