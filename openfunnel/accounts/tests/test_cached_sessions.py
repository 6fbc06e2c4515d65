"""Sessions read from the shared cache (settings: SESSION_ENGINE cached_db when REDIS_URL is set) end as at once
as the database's: a logout and a deactivation remove them from the cache too."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from openfunnel.accounts.services import user_deactivate

pytestmark = pytest.mark.django_db

CACHED = {"SESSION_ENGINE": "django.contrib.sessions.backends.cached_db"}


def _signed_in(user):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    assert browser.get("/accounts/profile/").status_code == 200
    return browser


@override_settings(**CACHED)
def test_a_deactivated_users_cached_session_ends_at_once(personas):
    from django.contrib.sessions.backends.cached_db import SessionStore

    browser = _signed_in(personas.alice)
    key = browser.session.session_key
    assert SessionStore(session_key=key).load()
    user_deactivate(actor=personas.admin, user=personas.alice)
    assert SessionStore(session_key=key).load() == {}     # gone from the cache, not only from the table
    assert browser.get("/accounts/profile/").status_code == 302


@override_settings(**CACHED)
def test_a_cached_session_ends_with_the_logout(personas):
    browser = _signed_in(personas.bob)
    key = browser.session.session_key
    assert browser.post("/accounts/logout/").status_code == 302
    replay = Client(HTTP_ACCEPT_LANGUAGE="en")
    replay.cookies["sessionid"] = key     # the old cookie, sent again
    assert replay.get("/accounts/profile/").status_code == 302
