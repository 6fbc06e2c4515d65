import pytest

from openfunnel.accounts.models import ApiToken, User, UserSession
from openfunnel.accounts.services import (
    apitoken_create,
    user_create,
    user_deactivate,
    user_password_change,
    user_reactivate,
    user_update,
)
from openfunnel.audit.models import Event
from openfunnel.core.errors import PermissionDenied, ValidationFailed
from openfunnel.core.testing import PASSWORD


def test_admin_creates_a_user_with_role_code_and_it_is_audited(personas):
    user = user_create(actor=personas.admin, username="dave", password="dave-pass-1", name="Dave Rep",
                       email="dave@example.com", phone="+86 138-0000-0000", department=personas.north.pk,
                       role="rep", manager=personas.director.pk)
    assert user.check_password("dave-pass-1") and user.role.code == "rep" and user.department == personas.north
    event = Event.objects.get(verb="user.created", object_id=user.pk)
    assert event.actor == personas.admin and event.data["username"] == "dave"
    assert "password" not in event.data and not any("pbkdf" in str(v) or "md5" in str(v) for v in event.data.values())


@pytest.mark.parametrize("kwargs,field", [
    ({"password": "12345"}, "password"),          # shorter than 6
    ({"password": ""}, "password"),
    ({"username": "alice"}, "username"),          # taken
    ({"username": "ALICE"}, "username"),          # taken, other case
    ({"username": "no spaces"}, "username"),
    ({"email": "not-an-email"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"role": "emperor"}, "role"),
    ({"department": 999999}, "department"),
    ({"manager": 999999}, "manager"),
    ({"name": "x" * 101}, "name"),
])
def test_invalid_users_are_field_errors_and_nothing_is_created(personas, kwargs, field):
    values = {"username": "newbie", "password": "long-enough", **kwargs}
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as error:
        user_create(actor=personas.admin, **values)
    assert field in error.value.fields
    assert User.objects.count() == before


def test_only_org_manage_may_manage_users(personas):
    for actor in (personas.alice, personas.manager, personas.director, personas.finance):
        with pytest.raises(PermissionDenied):
            user_create(actor=actor, username="x1", password="long-enough")
        with pytest.raises(PermissionDenied):
            user_update(actor=actor, user=personas.bob, data={"name": "Hacked"})
        with pytest.raises(PermissionDenied):
            user_deactivate(actor=actor, user=personas.bob)


def test_update_diff_never_holds_the_password(personas):
    user_update(actor=personas.admin, user=personas.bob, data={"name": "Bob B.", "password": "brand-new-pass",
                                                               "department": personas.north.pk})
    personas.bob.refresh_from_db()
    assert personas.bob.check_password("brand-new-pass")
    event = Event.objects.get(verb="user.updated", object_id=personas.bob.pk)
    assert event.changes == {"name": ["Bob Rep", "Bob B."], "department": [personas.east_team.pk, personas.north.pk]}
    assert event.data == {"password_changed": True}
    assert "password" not in event.changes


def test_role_is_changed_by_code(personas):
    user_update(actor=personas.admin, user=personas.carol, data={"role": "manager"})
    personas.carol.refresh_from_db()
    assert personas.carol.role.code == "manager"


def test_manager_loops_are_refused(personas):
    # mike manages alice; alice cannot become mike's manager (directly), nor dora's (through mike).
    cases = [(personas.manager, personas.alice), (personas.director, personas.alice), (personas.alice, personas.alice)]
    for user, manager in cases:
        with pytest.raises(ValidationFailed) as error:
            user_update(actor=personas.admin, user=user, data={"manager": manager.pk})
        assert "manager" in error.value.fields
    personas.manager.refresh_from_db()
    assert personas.manager.manager == personas.director


def test_a_user_cannot_deactivate_themselves_or_change_their_own_role(personas):
    with pytest.raises(ValidationFailed):
        user_deactivate(actor=personas.admin, user=personas.admin)
    with pytest.raises(ValidationFailed):
        user_update(actor=personas.admin, user=personas.admin, data={"is_active": False})
    with pytest.raises(ValidationFailed):
        user_update(actor=personas.admin, user=personas.admin, data={"role": "rep"})
    personas.admin.refresh_from_db()
    assert personas.admin.is_active and personas.admin.role.code == "admin"


def test_deactivation_deletes_tokens_and_sessions_and_is_audited_once(personas, client):
    client.force_login(personas.alice)
    apitoken_create(actor=personas.alice, name="script")
    assert UserSession.objects.filter(user=personas.alice).count() == 1
    user_deactivate(actor=personas.admin, user=personas.alice)
    user_deactivate(actor=personas.admin, user=personas.alice)  # idempotent
    personas.alice.refresh_from_db()
    assert not personas.alice.is_active
    assert not ApiToken.objects.filter(user=personas.alice).exists()
    assert not UserSession.objects.filter(user=personas.alice).exists()
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    event = Event.objects.get(verb="user.deactivated", object_id=personas.alice.pk)
    assert event.data == {"tokens_revoked": 1, "sessions_ended": 1}
    user_reactivate(actor=personas.admin, user=personas.alice)
    personas.alice.refresh_from_db()
    assert personas.alice.is_active and Event.objects.filter(verb="user.reactivated").count() == 1


def test_is_active_false_in_an_update_deactivates(personas):
    apitoken_create(actor=personas.bob)
    user_update(actor=personas.admin, user=personas.bob, data={"is_active": False, "name": "Bob (left)"})
    assert not ApiToken.objects.filter(user=personas.bob).exists()
    assert Event.objects.filter(verb="user.deactivated", object_id=personas.bob.pk).exists()
    assert Event.objects.filter(verb="user.updated", object_id=personas.bob.pk).exists()


def test_own_password_change_needs_the_current_password(personas):
    with pytest.raises(ValidationFailed) as error:
        user_password_change(actor=personas.alice, current_password="wrong", new_password="whatever-1")
    assert "current_password" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        user_password_change(actor=personas.alice, current_password=PASSWORD, new_password="123")
    assert "new_password" in error.value.fields
    user_password_change(actor=personas.alice, current_password=PASSWORD, new_password="another-pass")
    personas.alice.refresh_from_db()
    assert personas.alice.check_password("another-pass")
    assert Event.objects.get(verb="user.updated", object_id=personas.alice.pk).data["password_changed"] is True
