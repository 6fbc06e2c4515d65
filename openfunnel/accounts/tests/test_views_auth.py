import re

from django.test import Client

from openfunnel.accounts.models import ApiToken, UserSession
from openfunnel.core.testing import PASSWORD


def test_login_page_signs_in_and_out(personas):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert browser.get("/accounts/login/").status_code == 200
    wrong = browser.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert wrong.status_code == 400 and b"correct username and password" in wrong.content
    assert browser.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert browser.get("/accounts/profile/").status_code == 200
    assert browser.post("/accounts/logout/").status_code == 302
    assert browser.get("/accounts/profile/").status_code == 302


def test_login_page_is_throttled_with_a_clear_message(personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(3):
        assert browser.post("/accounts/login/", {"username": "bob", "password": "bad"}).status_code == 400
    blocked = browser.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert blocked.status_code == 429 and b"Too many failed sign-in attempts" in blocked.content
    assert browser.get("/accounts/profile/").status_code == 302  # not signed in


def test_login_page_and_token_endpoint_share_the_throttle(personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    from rest_framework.test import APIClient

    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post("/accounts/login/", {"username": "carol", "password": "bad"})
    APIClient().post("/api/v1/auth/token/", {"username": "carol", "password": "bad"}, format="json")
    assert browser.post("/accounts/login/", {"username": "carol", "password": PASSWORD}).status_code == 429


def test_profile_creates_shows_once_and_revokes_tokens(personas, web_as):
    browser = web_as(personas.alice)
    created = browser.post("/accounts/profile/tokens/", {"name": "ERP"})
    assert created.status_code == 201
    key = re.search(rb'user-select:all;word-break:break-all">([^<]+)<', created.content).group(1).decode()
    token = ApiToken.objects.get(user=personas.alice)
    assert token.prefix == key[:8]
    again = browser.get("/accounts/profile/")
    assert key.encode() not in again.content and token.prefix.encode() in again.content
    too_long = browser.post("/accounts/profile/tokens/", {"name": "x" * 101})
    assert too_long.status_code == 400 and ApiToken.objects.count() == 1
    assert web_as(personas.bob).post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert browser.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 302
    assert not ApiToken.objects.exists()


def test_profile_changes_own_password_and_stays_signed_in(personas, web_as):
    browser = web_as(personas.alice)
    mismatch = browser.post("/accounts/profile/password/", {"current_password": PASSWORD, "new_password": "new-pass-1",
                                                            "new_password_again": "other-pass"})
    assert mismatch.status_code == 400 and b"differ" in mismatch.content
    wrong = browser.post("/accounts/profile/password/", {"current_password": "nope", "new_password": "new-pass-1",
                                                         "new_password_again": "new-pass-1"})
    assert wrong.status_code == 400 and b"not correct" in wrong.content
    ok = browser.post("/accounts/profile/password/", {"current_password": PASSWORD, "new_password": "new-pass-1",
                                                      "new_password_again": "new-pass-1"})
    assert ok.status_code == 302
    personas.alice.refresh_from_db()
    assert personas.alice.check_password("new-pass-1")
    assert browser.get("/accounts/profile/").status_code == 200
    # The session key changed with the password; deactivation still finds and ends it.
    assert UserSession.objects.filter(user=personas.alice, session_key=browser.session.session_key).exists()
