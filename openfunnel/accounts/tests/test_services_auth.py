import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.accounts.authentication import hash_token
from openfunnel.accounts.models import ApiToken, LoginFailure
from openfunnel.accounts.services import (
    InvalidCredentials,
    LoginThrottled,
    apitoken_create,
    apitoken_revoke,
    auth_login_attempt,
)
from openfunnel.audit.models import Event
from openfunnel.core.errors import NotFound
from openfunnel.core.testing import PASSWORD


@pytest.fixture
def limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    return 3


def test_right_password_signs_in_and_clears_failures(personas, limit):
    with pytest.raises(InvalidCredentials):
        auth_login_attempt(username="alice", password="wrong", ip="10.0.0.1")
    assert LoginFailure.objects.filter(username="alice").count() == 1
    assert auth_login_attempt(username="alice", password=PASSWORD, ip="10.0.0.1") == personas.alice
    assert not LoginFailure.objects.filter(username="alice").exists()


def test_too_many_failures_for_a_username_refuse_even_the_right_password_until_the_window_passes(personas, limit):
    now = timezone.now()
    for i in range(limit):
        with pytest.raises(InvalidCredentials):
            auth_login_attempt(username="Alice", password="wrong", ip=f"10.0.0.{i}", now=now)
    with pytest.raises(LoginThrottled) as error:
        auth_login_attempt(username="alice", password=PASSWORD, ip="10.9.9.9", now=now + dt.timedelta(seconds=5))
    assert error.value.status == 429 and error.value.code == "throttled"
    assert 0 < error.value.extra["retry_after"] <= 600
    assert LoginFailure.objects.count() == limit  # refused attempts do not extend the block
    later = now + dt.timedelta(seconds=601)
    assert auth_login_attempt(username="alice", password=PASSWORD, ip="10.9.9.9", now=later) == personas.alice


def test_too_many_failures_from_one_ip_block_that_ip(personas, limit):
    for name in ("x1", "x2", "x3"):
        with pytest.raises(InvalidCredentials):
            auth_login_attempt(username=name, password="wrong", ip="10.0.0.7")
    with pytest.raises(LoginThrottled):
        auth_login_attempt(username="bob", password=PASSWORD, ip="10.0.0.7")
    assert auth_login_attempt(username="bob", password=PASSWORD, ip="10.0.0.8") == personas.bob


def test_inactive_users_cannot_sign_in(personas, limit):
    type(personas.bob).objects.filter(pk=personas.bob.pk).update(is_active=False)
    with pytest.raises(InvalidCredentials):
        auth_login_attempt(username="bob", password=PASSWORD)


def test_tokens_are_stored_hashed_and_revoked_only_by_their_owner(personas):
    token, key = apitoken_create(actor=personas.alice, name="ERP")
    assert token.key_hash == hash_token(key) and token.prefix == key[:8] and key not in token.key_hash
    assert Event.objects.filter(verb="apitoken.created", object_id=token.pk, actor=personas.alice).exists()
    with pytest.raises(NotFound):
        apitoken_revoke(actor=personas.bob, id=token.pk)
    with pytest.raises(NotFound):
        apitoken_revoke(actor=personas.alice, id="abc")
    apitoken_revoke(actor=personas.alice, id=token.pk)
    assert not ApiToken.objects.exists()
    assert Event.objects.filter(verb="apitoken.revoked", object_id=token.pk).exists()
