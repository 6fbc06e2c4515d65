import pytest

from openfunnel.accounts.models import Department
from openfunnel.accounts.selectors import department_tree
from openfunnel.accounts.services import department_create, department_delete, department_update
from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, PermissionDenied, ValidationFailed


def test_admin_creates_a_department_under_a_parent_and_it_is_audited(personas):
    team = department_create(actor=personas.admin, name="  East Team 2 ", parent=personas.east.pk)
    assert team.name == "East Team 2" and team.parent == personas.east
    event = Event.objects.get(verb="department.created", object_id=team.pk)
    assert event.actor == personas.admin and event.data == {"name": "East Team 2", "parent": personas.east.pk}


def test_rep_and_manager_may_not_change_departments(personas):
    for actor in (personas.alice, personas.manager):
        with pytest.raises(PermissionDenied):
            department_create(actor=actor, name="Rogue")
        with pytest.raises(PermissionDenied):
            department_update(actor=actor, department=personas.north, data={"name": "X"})
    assert not Department.objects.filter(name="Rogue").exists()


@pytest.mark.parametrize("name,parent,field", [
    ("", None, "name"),
    ("x" * 101, None, "name"),
    ("Sales East", "hq", "name"),   # same name at the same level (case-insensitive)
    ("sales east", "hq", "name"),
    ("HQ", None, "name"),           # also at the top level, where the DB constraint cannot help
    ("Y", 999999, "parent"),
])
def test_bad_departments_are_field_errors(personas, name, parent, field):
    parent = personas.hq if parent == "hq" else parent
    before = Department.objects.count()
    with pytest.raises(ValidationFailed) as error:
        department_create(actor=personas.admin, name=name, parent=parent)
    assert field in error.value.fields
    assert Department.objects.count() == before


def test_moving_a_department_below_itself_is_refused(personas):
    for new_parent in (personas.east, personas.east_team):
        with pytest.raises(ValidationFailed) as error:
            department_update(actor=personas.admin, department=personas.east, data={"parent": new_parent.pk})
        assert "parent" in error.value.fields
    personas.east.refresh_from_db()
    assert personas.east.parent == personas.hq


def test_update_records_before_and_after(personas):
    department_update(actor=personas.admin, department=personas.north, data={"name": "Sales North-West",
                                                                            "parent": personas.east.pk})
    event = Event.objects.get(verb="department.updated", object_id=personas.north.pk)
    assert event.changes == {"name": ["Sales North", "Sales North-West"], "parent": [personas.hq.pk, personas.east.pk]}
    department_update(actor=personas.admin, department=personas.north, data={"name": "Sales North-West"})
    assert Event.objects.filter(verb="department.updated").count() == 1


def test_delete_is_refused_while_in_use_and_allowed_when_empty(personas):
    with pytest.raises(Conflict) as error:
        department_delete(actor=personas.admin, department=personas.north)  # carol is in it
    assert error.value.code == "in_use"
    with pytest.raises(Conflict) as error:
        department_delete(actor=personas.admin, department=personas.east)  # East Team 1 below it
    assert error.value.code == "in_use"
    empty = department_create(actor=personas.admin, name="Empty", parent=personas.hq)
    department_delete(actor=personas.admin, department=empty)
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert Event.objects.filter(verb="department.deleted", object_id=empty.pk).exists()


def test_tree_lists_parents_before_children_with_depth(personas):
    rows = [(row.department.name, row.depth) for row in department_tree(actor=personas.alice)]
    assert rows == [("HQ", 0), ("Finance", 1), ("Sales East", 1), ("East Team 1", 2), ("Sales North", 1)]
