"""Fixtures shared by every test module: personas and API clients logged in as them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from openfunnel.core.testing import Personas, make_personas


@pytest.fixture
def personas(db: Any) -> Personas:
    return make_personas()


@pytest.fixture
def api_as() -> Callable[[Any], APIClient]:
    """api_as(user) -> an APIClient with a session for `user` (CSRF not enforced, as for a script)."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def web_as(client: Any) -> Callable[[Any], Any]:
    """web_as(user) -> Django's test client logged in as `user`, pages in English."""

    def make(user: Any) -> Any:
        from django.test import Client

        browser = Client(HTTP_ACCEPT_LANGUAGE="en")
        browser.force_login(user)
        return browser

    return make


@pytest.fixture(autouse=True)
def _fresh_choice_lists() -> None:
    """A test's rolled-back transaction brings back the previous reference token: start without kept lists."""
    from openfunnel.web import choices, listing

    choices.clear()
    listing.clear_kept_panels()
