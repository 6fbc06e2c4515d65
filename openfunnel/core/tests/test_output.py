"""core.output: every API answer written through the planned representation is exactly DRF's own."""

import datetime as dt
import json

import pytest
from django.urls import get_resolver
from django.utils import timezone
from rest_framework import serializers

from openfunnel.accounts.models import User
from openfunnel.core.output import OutputModelSerializer, PlannedRepresentation, related_rows
from openfunnel.customers.models import Customer, CustomerShare, Tag
from openfunnel.demo.seed import build_demo

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 15, 30))


def _api_collections() -> list[str]:
    """Every collection of the API without an id in its path (/api/v1/customers/, ...)."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif (pattern.name or "").endswith("-list") and "(?P<" not in str(pattern.pattern):
                found.append("/" + prefix + str(pattern.pattern).strip("^$"))

    walk(get_resolver().url_patterns, "")
    return sorted(path for path in found if path.startswith("/api/"))


@pytest.fixture
def drf_way(monkeypatch):
    """Turns the plan off: DRF's own field building and representation."""

    def switch(on: bool) -> None:
        if on:
            monkeypatch.setattr(PlannedRepresentation, "to_representation",
                                lambda self, instance: serializers.Serializer.to_representation(self, instance))
            monkeypatch.setattr(PlannedRepresentation, "get_fields",
                                lambda self: super(PlannedRepresentation, self).get_fields())
        else:
            monkeypatch.undo()

    return switch


def _answers(client, paths):
    answers = {}
    for path in paths:
        response = client.get(path, {"page_size": 200})
        assert response.status_code in (200, 403), (path, response.content[:300])   # 403: not the user's to see
        if response.status_code == 200:
            answers[path] = response.json()
    return answers


@pytest.mark.parametrize("username", ["chen.zong", "liu.yang"])   # the demo's director and a rep
def test_every_api_answer_is_drf_s_own(db, api_as, drf_way, username):
    build_demo(scale=0.02, now=NOW)
    client = api_as(User.objects.get(username=username))
    collections = _api_collections()
    assert "/api/v1/customers/" in collections and "/api/v1/opportunities/" in collections

    planned = _answers(client, collections)
    details = [f"{path}{row['id']}/" for path, body in planned.items()
               for row in (body.get("results", body) if isinstance(body, dict) else body)[:5]
               if isinstance(row, dict) and "id" in row]
    planned.update(_answers(client, details))
    drf_way(True)
    plain = _answers(client, list(planned))
    drf_way(False)

    assert len(details) > 40
    assert sum(len(body.get("results", [])) for body in planned.values() if isinstance(body, dict)) > 200
    assert list(plain) == list(planned)
    for path, body in planned.items():
        # the same keys in the same order, the same values
        assert json.dumps(body, ensure_ascii=False) == json.dumps(plain[path], ensure_ascii=False), path


def test_datetimes_in_other_zones_nulls_and_rows_without_prefetch(db, personas, drf_way):
    customer = Customer.objects.create(name="Acme", owner=personas.alice,
                                       next_follow_up_at=timezone.make_aware(dt.datetime(2026, 1, 2, 3, 4, 5, 6)))
    customer.tags.add(Tag.objects.create(name="重点"))
    CustomerShare.objects.create(customer=customer, user=personas.bob, can_edit=True)

    class Request:
        user = personas.alice

    from openfunnel.customers.api import CustomerSerializer

    def both(rows):
        out = []
        for plan in (False, True):
            drf_way(plan)
            out.append(json.dumps(CustomerSerializer(rows, many=True, context={"request": Request}).data,
                                  ensure_ascii=False))
        drf_way(False)
        return out

    for zone in ("UTC", "Asia/Shanghai", "America/Los_Angeles"):
        with timezone.override(zone):
            prefetched = list(Customer.objects.prefetch_related("tags", "shares"))
            planned, plain = both(prefetched)
            assert planned == plain and '"tag_names": ["重点"]' in planned
            planned, plain = both(list(Customer.objects.all()))   # the managers' own queries
            assert planned == plain
            if zone == "UTC":
                assert '"next_follow_up_at": "2026-01-01T19:04:05.000006Z"' in planned
    prefetched = Customer.objects.prefetch_related("tags").get(pk=customer.pk)
    assert related_rows(prefetched, "tags") is prefetched._prefetched_objects_cache["tags"]
    assert [tag.name for tag in related_rows(customer, "tags")] == ["重点"]


def test_the_fields_are_built_once_per_class_and_copied(personas):
    class Output(OutputModelSerializer):
        class Meta:
            model = Tag
            fields = ["id", "name", "color"]

    first, second = Output(), Output()
    assert list(first.fields) == ["id", "name", "color"]
    assert first.fields["name"] is not second.fields["name"]
    assert first.fields["name"].parent is first and second.fields["name"].parent is second
