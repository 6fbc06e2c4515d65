"""CompiledQuery: the SQL compiled once answers every later id as the ORM would."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
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



def _notifications_between(recipient_id, since, middle, until):
    # the moments reach the SQL in the filter and in an annotation
    return (Notification.objects.filter(recipient_id=recipient_id, created_at__gte=since, created_at__lt=until)
            .annotate(early=Case(When(created_at__lt=middle, then=Value(1)), default=Value(0),
                                 output_field=IntegerField()))
            .order_by("created_at", "id"))


def _hour(day, hour, zone="Asia/Shanghai"):
    return dt.datetime(2026, 3, day, hour, tzinfo=zoneinfo.ZoneInfo(zone))


def test_datetime_arguments_get_what_the_orm_gives(personas, monkeypatch):
    for number, at in enumerate([_hour(1, 7), _hour(1, 8), _hour(1, 9, "UTC"), _hour(2, 0), _hour(2, 23),
                                 _hour(3, 0, "UTC")]):
        note = Notification.objects.create(recipient=personas.bob if number % 3 else personas.alice,
                                           kind="mention", message=f"at {number}")
        Notification.objects.filter(pk=note.pk).update(created_at=at)
    compiled = CompiledQuery(_notifications_between)
    windows = [(_hour(1, 8), _hour(2, 0), _hour(3, 9)), (_hour(1, 0), _hour(1, 9), _hour(2, 0)),
               (_hour(1, 17, "UTC"), _hour(1, 18, "UTC"), _hour(3, 0, "UTC")),   # the same moments as other zones
               (_hour(1, 7), _hour(1, 7) + dt.timedelta(microseconds=1), _hour(1, 8) + dt.timedelta(microseconds=1))]
    seen = set()
    for user in (personas.bob, personas.alice):
        for window in windows:
            found = compiled.all(user.pk, *window)
            expected = list(_notifications_between(user.pk, *window))
            assert [(n.pk, n.created_at, n.early) for n in found] == [(n.pk, n.created_at, n.early) for n in expected]
            seen.update(n.pk for n in found)
    assert len(seen) == 6   # every row was found by some window (the comparisons were not all of empty lists)

    def build(*args):
        raise AssertionError("the shape was compiled already")

    monkeypatch.setattr(compiled, "build", build)   # other datetimes are the same shape
    assert [n.message for n in compiled.all(personas.alice.pk, _hour(1, 0), _hour(1, 0), _hour(4, 0))] == \
        ["at 0", "at 3"]


def test_a_datetime_that_does_not_reach_the_sql_or_is_naive_is_refused(personas):
    ignoring = CompiledQuery(lambda user_id, since: Notification.objects.filter(recipient_id=user_id,
                                                                                created_at__gte=_hour(1, 0)))
    with pytest.raises(ValueError):
        ignoring.all(personas.alice.pk, _hour(2, 0))
    # a moment computed from the stand-in is another value: refused as well, not silently answered for the stand-in
    shifted = CompiledQuery(lambda user_id, since: Notification.objects.filter(
        recipient_id=user_id, created_at__gte=since + dt.timedelta(days=1)))
    with pytest.raises(ValueError):
        shifted.all(personas.alice.pk, _hour(2, 0))
    compiled = CompiledQuery(_notifications_between)
    assert compiled.all(personas.alice.pk, _hour(1, 0), _hour(2, 0), _hour(3, 0)) == []
    with pytest.raises(ValueError):
        compiled.all(personas.alice.pk, _hour(1, 0), dt.datetime(2026, 3, 2), _hour(3, 0))


def test_an_id_compared_with_an_integer_column_is_found_as_a_typed_int(personas):
    # not a key: on PostgreSQL the parameter is psycopg's Int8, not an int
    for number in (1, 2, 2):
        Notification.objects.create(recipient=personas.alice, message=f"about {number}", object_id=number)
    compiled = CompiledQuery(lambda object_id: Notification.objects.filter(object_id=object_id).order_by("id"))
    for object_id in (2, 1, 3):
        assert compiled.all(object_id) == list(Notification.objects.filter(object_id=object_id).order_by("id"))
    assert len(compiled.all(2)) == 2


def _unread_rows(recipient_ids):
    return Notification.objects.filter(recipient_id__in=recipient_ids).order_by("id")


def test_values_rows_are_the_orms(personas):
    """dicts, tuples, flat values and a union of values: the ORM's rows, converters applied (created_at a datetime
    on SQLite too)."""
    for n, user in enumerate((personas.alice, personas.bob, personas.bob)):
        Notification.objects.create(recipient=user, kind="mention", message=f"Hello {n}")
    builders = {
        "dict": lambda ids: _unread_rows(ids).values("id", "recipient_id", "created_at"),
        "tuple": lambda ids: _unread_rows(ids).values_list("id", "message", "created_at"),
        "flat": lambda ids: _unread_rows(ids).values_list("created_at", flat=True),
        "annotated": lambda ids: (_unread_rows(ids).annotate(kind_no=Value(7)).values_list("id", "kind_no")),
        "union": lambda ids: (_unread_rows(ids).order_by().annotate(kind_no=Value(0)).values_list("id", "kind_no")
                              .union(User.objects.filter(pk__in=ids).order_by()
                                     .annotate(kind_no=Case(When(is_active=True, then=Value(1)), default=Value(2)))
                                     .values_list("pk", "kind_no"), all=True)),
    }
    for name, build in builders.items():
        compiled = CompiledQuery(build)
        for ids in ([personas.alice.pk], [personas.bob.pk], [personas.alice.pk, personas.bob.pk],
                    [personas.carol.pk]):
            found = compiled.all(ids)
            assert sorted(found, key=repr) == sorted(build(ids), key=repr), name
    assert isinstance(CompiledQuery(builders["flat"]).all([personas.bob.pk])[0], dt.datetime)


def test_values_list_reordered_by_the_orm_is_refused(personas):
    reordered = CompiledQuery(lambda user_id: User.objects.filter(pk=user_id).annotate(n=Value(1))
                              .values_list("n", "username"))
    with pytest.raises(ValueError):
        reordered.all(personas.alice.pk)
