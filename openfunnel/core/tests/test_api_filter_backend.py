"""core.api.FilterBackend: no filter set built when no query parameter can be a filter's, and the same answers."""

from __future__ import annotations

import django_filters
import pytest

from openfunnel.customers.services import customer_create

LISTS = ["/api/v1/customers/", "/api/v1/opportunities/", "/api/v1/activities/", "/api/v1/leads/"]


@pytest.fixture
def built(monkeypatch):
    """The filter sets built during a request."""
    made = []
    original = django_filters.FilterSet.__init__

    def init(self, *args, **kwargs):
        made.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(django_filters.FilterSet, "__init__", init)
    return made


@pytest.mark.parametrize("path", LISTS)
def test_paging_and_ordering_alone_build_no_filter_set(personas, api_as, built, path):
    for n in range(3):
        customer_create(actor=personas.alice, name=f"Filtered {n}")
    client = api_as(personas.alice)
    plain = client.get(path + "?page_size=2&page=1")
    assert plain.status_code == 200
    assert not built
    # an empty filter goes through the filter set, which leaves the same rows
    filtered = client.get(path + "?page_size=2&page=1&created_after=")
    assert filtered.status_code == 200 and built
    assert plain.json()["results"] == filtered.json()["results"]


def test_a_filter_still_filters_and_bad_input_is_still_refused(personas, api_as):
    for n in range(3):
        customer_create(actor=personas.alice, name=f"Filtered {n}")
    client = api_as(personas.alice)
    assert [c["name"] for c in client.get("/api/v1/customers/?search=Filtered 1&page=1").json()["results"]] == [
        "Filtered 1"]
    refused = client.get("/api/v1/customers/?created_after=not-a-date")
    assert refused.status_code == 400 and "created_after" in refused.content.decode()
