from django.template.loader import render_to_string
from django.utils import translation

from openfunnel.accounts.services import role_update, user_create, user_update
from openfunnel.audit.selectors import events_for_object


def test_events_for_object_describes_the_records_own_history(personas):
    dave = user_create(actor=personas.admin, username="dave", password="dave-pass", role="rep",
                       department=personas.north.pk)
    user_update(actor=personas.admin, user=dave, data={"manager": personas.director.pk, "is_active": False})
    user_update(actor=personas.admin, user=personas.bob, data={"name": "someone else"})
    with translation.override("en"):
        events = events_for_object(actor=personas.alice, object_type="user", object_id=dave.pk)
        assert [e.verb for e in events] == ["user.deactivated", "user.updated", "user.created"]
        assert [str(e.label) for e in events] == ["deactivated the user", "changed the user", "created the user"]
        manager_row = events[1].change_rows[0]
        assert (str(manager_row.label), manager_row.before, manager_row.after) == ("Manager", "—", "Dora Director")
        created_rows = {row.field: row for row in events[2].change_rows}
        assert created_rows["department"].after == "Sales North" and created_rows["department"].only_after
        html = render_to_string("audit/_history.html", {"events": events})
    assert "Dora Director" in html and "deactivated the user" in html


def test_choice_values_and_lists_are_shown_readably(personas):
    from openfunnel.accounts.models import Role

    rep = Role.objects.get(code="rep")
    role_update(actor=personas.admin, role=rep, data={"data_scope": "department", "permissions": ["leads.create"]})
    with translation.override("en"):
        [event] = events_for_object(actor=personas.admin, object_type="role", object_id=rep.pk)
        rows = {row.field: row for row in event.change_rows}
        assert (str(rows["data_scope"].before), str(rows["data_scope"].after)) == ("Own records", "Own department")
        assert rows["permissions"].after == "leads.create"


def test_history_of_a_record_without_events_is_empty(personas):
    assert events_for_object(actor=personas.admin, object_type="user", object_id=999999) == []
    with translation.override("en"):
        assert "No changes recorded yet" in render_to_string("audit/_history.html", {"events": []})
    with translation.override("zh-hans"):
        assert "暂无变更记录" in render_to_string("audit/_history.html", {"events": []})
