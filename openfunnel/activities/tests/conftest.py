"""Fixtures of the activities tests: a customer for alice, one for carol (another department)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openfunnel.customers.services import contact_create, customer_create


@pytest.fixture(autouse=True)
def english() -> Any:
    """Services called outside a request speak the default language (Chinese); tests read English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def alice_customer(personas: Any) -> Any:
    return customer_create(actor=personas.alice, name="Hangzhou Alpha Valves")


@pytest.fixture
def alice_contact(personas: Any, alice_customer: Any) -> Any:
    return contact_create(actor=personas.alice, customer=alice_customer, name="Wang Wei")


@pytest.fixture
def carol_customer(personas: Any) -> Any:
    return customer_create(actor=personas.carol, name="Harbin Northern Steel")


def upload(name: str = "notes.txt", content: bytes = b"hello", content_type: str = "text/plain") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def alice_lead(personas: Any) -> Any:
    from openfunnel.leads.models import Lead

    return Lead.objects.create(company="Ningbo Lead Plastics", company_key="ningbo lead plastics",
                               owner=personas.alice)


@pytest.fixture
def carol_lead(personas: Any) -> Any:
    from openfunnel.leads.models import Lead

    return Lead.objects.create(company="Dalian Far Fisheries", company_key="dalian far fisheries", owner=personas.carol)
