import pytest
from django.utils import translation

from openfunnel.accounts.models import Role
from openfunnel.accounts.scope import has_perm
from openfunnel.accounts.services import role_create, role_delete, role_permissions_set, role_update
from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def test_admin_creates_a_custom_role_and_it_is_audited(personas):
    role = role_create(actor=personas.admin, code="key_account", name="Key account rep", data_scope="department",
                       permissions=["customers.edit", "leads.create", "leads.create"])
    assert role.permissions == ["leads.create", "customers.edit"] and not role.is_builtin
    assert Event.objects.get(verb="role.created", object_id=role.pk).data["code"] == "key_account"


@pytest.mark.parametrize("kwargs,field", [
    ({"permissions": ["leads.create", "world.domination"]}, "permissions"),
    ({"data_scope": "galaxy"}, "data_scope"),
    ({"code": "Not A Slug!"}, "code"),
    ({"code": "rep"}, "code"),            # taken
    ({"name": ""}, "name"),
])
def test_invalid_roles_are_field_errors(personas, kwargs, field):
    values = {"code": "custom", "name": "Custom", "data_scope": "self", "permissions": [], **kwargs}
    with pytest.raises(ValidationFailed) as error:
        role_create(actor=personas.admin, **values)
    assert field in error.value.fields
    assert not Role.objects.filter(name="Custom").exists()


def test_builtin_roles_are_editable_but_code_is_fixed_and_not_deletable(personas):
    rep = Role.objects.get(code="rep")
    role_update(actor=personas.admin, role=rep, data={"name": "Account executive", "data_scope": "department",
                                                     "permissions": ["leads.create"], "code": "rep"})
    rep.refresh_from_db()
    assert rep.name == "Account executive" and rep.data_scope == "department" and rep.permissions == ["leads.create"]
    with pytest.raises(ValidationFailed) as error:
        role_update(actor=personas.admin, role=rep, data={"code": "seller"})
    assert "code" in error.value.fields
    with pytest.raises(Conflict) as conflict:
        role_delete(actor=personas.admin, role=rep)
    assert conflict.value.code == "builtin"
    assert Role.objects.filter(code="rep").exists()


def test_the_admin_role_keeps_org_manage(personas):
    admin_role = Role.objects.get(code="admin")
    with pytest.raises(ValidationFailed):
        role_update(actor=personas.admin, role=admin_role, data={"permissions": ["audit.view"]})
    admin_role.refresh_from_db()
    assert "org.manage" in admin_role.permissions


def test_custom_role_delete_refused_while_in_use(personas):
    from openfunnel.accounts.services import user_update

    role = role_create(actor=personas.admin, code="temp", name="Temp", permissions=[])
    user_update(actor=personas.admin, user=personas.carol, data={"role": "temp"})
    with pytest.raises(Conflict) as error:
        role_delete(actor=personas.admin, role=role)
    assert error.value.code == "in_use"
    user_update(actor=personas.admin, user=personas.carol, data={"role": "rep"})
    role_delete(actor=personas.admin, role=role)
    assert not Role.objects.filter(code="temp").exists()
    assert Event.objects.filter(verb="role.deleted", object_id=role.pk).exists()


def test_non_admins_cannot_touch_roles(personas):
    rep = Role.objects.get(code="rep")
    for actor in (personas.manager, personas.director, personas.alice):
        with pytest.raises(PermissionDenied):
            role_update(actor=actor, role=rep, data={"permissions": list(rep.permissions) + ["org.manage"]})
        with pytest.raises(PermissionDenied):
            role_create(actor=actor, code="x", name="X")


def test_permission_matrix_saves_all_or_nothing(personas):
    rep, finance = Role.objects.get(code="rep"), Role.objects.get(code="finance")
    role_permissions_set(actor=personas.admin, permissions_by_role={rep.pk: ["leads.create"],
                                                                    finance.pk: ["data.export", "audit.view"]})
    rep.refresh_from_db()
    finance.refresh_from_db()
    assert rep.permissions == ["leads.create"] and finance.permissions == ["audit.view", "data.export"]
    assert has_perm(type(personas.finance).objects.get(pk=personas.finance.pk), "audit.view")
    with pytest.raises(ValidationFailed):
        role_permissions_set(actor=personas.admin, permissions_by_role={rep.pk: ["leads.edit"],
                                                                        finance.pk: ["nope"]})
    rep.refresh_from_db()
    assert rep.permissions == ["leads.create"]  # rolled back together
    with pytest.raises(NotFound):
        role_permissions_set(actor=personas.admin, permissions_by_role={999999: []})


def test_builtin_names_are_translated_until_renamed(personas):
    rep = Role.objects.get(code="rep")
    with translation.override("zh-hans"):
        assert rep.display_name == "销售代表"
        assert Role.objects.get(code="finance").display_name == "财务"  # the role, not the industry (金融)
    with translation.override("en"):
        assert rep.display_name == "Sales rep"
    role_update(actor=personas.admin, role=rep, data={"name": "Account executive"})
    rep.refresh_from_db()
    with translation.override("zh-hans"):
        assert rep.display_name == "Account executive"
