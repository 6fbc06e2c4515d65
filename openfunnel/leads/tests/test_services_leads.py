import datetime as dt

import pytest
from django.utils import timezone, translation

from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.core.recycle import KINDS
from openfunnel.core.testing import VALID_USCC
from openfunnel.customers.services import customer_create
from openfunnel.leads import selectors
from openfunnel.leads.models import Lead
from openfunnel.leads.services import (
    lead_assign,
    lead_batch_assign,
    lead_create,
    lead_delete,
    lead_restore,
    lead_set_status,
    lead_touch_follow_up,
    lead_transfer,
    lead_update,
)

# --- create and anti-collision ---------------------------------------------------------------------


def test_rep_creates_a_lead_owned_by_themselves_and_it_is_audited_on_the_lead_timeline(personas, campaign):
    lead = lead_create(actor=personas.alice, company="  上海星辰科技有限公司 ", phone="+86 138 0013 8000",
                       email=" Wang@Example.COM ", uscc=VALID_USCC[0], source="trade_show", campaign=campaign)
    assert lead.owner == personas.alice and lead.assigned_at is not None and lead.status == Lead.Status.NEW
    assert lead.company == "上海星辰科技有限公司" and lead.company_key == "上海星辰科技"
    assert lead.phone_key == "13800138000" and lead.email_key == "wang@example.com"
    event = Event.objects.get(verb="lead.created")
    assert event.lead_id == lead.pk and event.actor == personas.alice
    assert event.data["campaign"] == campaign.pk and event.data["owner"] == personas.alice.pk


def test_rep_may_not_create_for_someone_else_or_into_the_pool(personas):
    with pytest.raises(PermissionDenied):
        lead_create(actor=personas.alice, company="X", owner=personas.bob)
    with pytest.raises(PermissionDenied):
        lead_create(actor=personas.alice, company="X", owner=None)
    lead = lead_create(actor=personas.alice, company="X", owner=personas.alice.pk)  # naming oneself is fine
    assert lead.owner == personas.alice


def test_manager_creates_for_a_rep_who_is_notified_or_into_the_pool(personas):
    lead = lead_create(actor=personas.manager, company="Alpha", owner=personas.alice.pk)
    assert lead.owner == personas.alice
    notice = Notification.objects.get(recipient=personas.alice)
    assert notice.kind == "assignment" and notice.url == f"/leads/{lead.pk}/"
    pooled = lead_create(actor=personas.manager, company="Beta", owner=None)
    assert pooled.owner is None and pooled.assigned_at is None


def test_manager_may_not_create_for_a_user_outside_their_scope(personas):
    with pytest.raises(ValidationFailed) as error:
        lead_create(actor=personas.manager, company="Alpha", owner=personas.carol)
    assert "owner" in error.value.fields
    assert not Lead.objects.exists()


@pytest.mark.parametrize("kwargs,field", [
    ({"company": "   "}, "company"),
    ({"company": "---"}, "company"),                      # nothing left after normalizing
    ({"company": "x" * 201}, "company"),
    ({"company": "X", "phone": "12"}, "phone"),
    ({"company": "X", "email": "not-an-email"}, "email"),
    ({"company": "X", "uscc": "91350100M000100Y44"}, "uscc"),   # wrong check digit
    ({"company": "X", "source": "carrier_pigeon"}, "source"),
    ({"company": "X", "campaign": 999999}, "campaign"),
    ({"company": "X", "status": "converted"}, "status"),
    ({"company": "X", "name": "n" * 101}, "name"),
])
def test_invalid_input_is_a_field_error_and_creates_nothing(personas, kwargs, field):
    with pytest.raises(ValidationFailed) as error:
        lead_create(actor=personas.alice, **kwargs)
    assert field in error.value.fields
    assert not Lead.objects.exists()


def test_duplicate_of_a_customer_by_normalized_company_name_names_the_owner(personas):
    customer_create(actor=personas.bob, name="杭州贝塔泵业有限公司")
    with pytest.raises(Conflict) as error, translation.override("en"):
        lead_create(actor=personas.alice, company="杭州贝塔泵业 股份有限公司")
    assert error.value.code == "duplicate"
    assert error.value.extra["existing"]["type"] == "customer"
    assert error.value.extra["existing"]["owner_name"] == "Bob Rep"
    assert "id" not in error.value.extra["existing"]  # alice may not see bob's customer
    assert "company" in error.value.fields
    assert "A customer with the same company name already exists, owned by Bob Rep." in error.value.fields["company"]
    assert not Lead.objects.exists()


def test_duplicate_of_a_lead_by_phone_in_another_form(personas, bob_lead):
    with pytest.raises(Conflict) as error:
        lead_create(actor=personas.alice, company="Something else", phone="+86 139-0013-9000")
    existing = error.value.extra["existing"]
    assert existing["type"] == "lead" and existing["matched_on"] == "phone" and existing["owner_name"] == "Bob Rep"
    assert "phone" in error.value.fields


def test_duplicate_by_email_ignores_case_and_by_uscc(personas):
    lead_create(actor=personas.bob, company="A", email="Sales@Acme.example", uscc=VALID_USCC[1])
    with pytest.raises(Conflict):
        lead_create(actor=personas.alice, company="B", email="sales@acme.EXAMPLE ")
    with pytest.raises(Conflict) as error:
        lead_create(actor=personas.alice, company="C", uscc=VALID_USCC[1].lower())
    assert error.value.extra["existing"]["matched_on"] == "uscc"


def test_duplicate_shows_the_id_to_a_manager_who_may_see_it(personas, bob_lead):
    with pytest.raises(Conflict) as error:
        lead_create(actor=personas.manager, company="HANGZHOU BETA PUMPS")
    assert error.value.extra["existing"]["id"] == bob_lead.pk


# --- scope -----------------------------------------------------------------------------------------

def test_scope_reps_see_their_own_managers_their_team_and_the_pool(personas, alice_lead, bob_lead, pool_lead):
    def visible(user):
        return set(selectors.leads_visible_to(user).values_list("pk", flat=True))

    assert visible(personas.alice) == {alice_lead.pk}
    assert visible(personas.bob) == {bob_lead.pk}
    assert visible(personas.carol) == set()
    assert visible(personas.manager) == {alice_lead.pk, bob_lead.pk, pool_lead.pk}
    assert visible(personas.director) == {alice_lead.pk, bob_lead.pk, pool_lead.pk}
    with pytest.raises(NotFound):
        selectors.lead_get(actor=personas.alice, id=bob_lead.pk)
    with pytest.raises(NotFound):
        selectors.lead_get(actor=personas.alice, id=pool_lead.pk)
    assert selectors.lead_get(actor=personas.manager, id=bob_lead.pk) == bob_lead


def test_finance_sees_but_may_not_edit(personas, alice_lead):
    assert selectors.lead_get(actor=personas.finance, id=alice_lead.pk) == alice_lead
    with pytest.raises(PermissionDenied):
        selectors.lead_get_for_edit(actor=personas.finance, id=alice_lead.pk)


# --- update, delete, restore -----------------------------------------------------------------------

def test_update_records_field_changes_without_the_normalized_keys(personas, alice_lead):
    lead_update(actor=personas.alice, lead=alice_lead, data={"phone": "010-6552 9988", "notes": "met at booth 12"},
                version=alice_lead.version)
    alice_lead.refresh_from_db()
    assert alice_lead.phone_key == "01065529988" and alice_lead.version == 2
    event = Event.objects.get(verb="lead.updated")
    assert event.lead_id == alice_lead.pk
    assert event.changes == {"phone": ["13800138000", "010-6552 9988"], "notes": ["", "met at booth 12"]}


def test_update_with_a_stale_version_is_refused_and_changes_nothing(personas, alice_lead):
    lead_update(actor=personas.alice, lead=alice_lead, data={"title": "CEO"})
    with pytest.raises(Conflict) as error:
        lead_update(actor=personas.alice, lead=alice_lead, data={"title": "CFO"}, version=1)
    assert error.value.code == "stale_version"
    alice_lead.refresh_from_db()
    assert alice_lead.title == "CEO"


def test_update_checks_duplicates_on_changed_keys_only_and_not_against_itself(personas, alice_lead, bob_lead):
    lead_update(actor=personas.alice, lead=alice_lead, data={"company": "上海星辰科技 有限公司"})  # same key
    with pytest.raises(Conflict) as error:
        lead_update(actor=personas.manager, lead=alice_lead, data={"phone": "13900139000"})
    assert error.value.code == "duplicate"
    alice_lead.refresh_from_db()
    assert alice_lead.phone_key == "13800138000"


def test_update_refuses_owner_and_unknown_fields(personas, alice_lead):
    with pytest.raises(ValidationFailed) as error:
        lead_update(actor=personas.alice, lead=alice_lead, data={"owner": personas.bob.pk, "color": "red"})
    assert set(error.value.fields) == {"owner", "color"}


def test_out_of_scope_update_is_not_found(personas, bob_lead):
    with pytest.raises(NotFound):
        lead_update(actor=personas.alice, lead=bob_lead, data={"title": "x"})


def test_delete_is_soft_and_restore_runs_the_duplicate_check_again(personas, alice_lead):
    with pytest.raises(PermissionDenied):
        lead_delete(actor=personas.alice, lead=alice_lead)  # reps have no leads.delete
    lead_delete(actor=personas.manager, lead=alice_lead)
    assert not selectors.leads_visible_to(personas.manager).exists()
    assert list(KINDS["lead"].deleted(personas.admin)) == [alice_lead]
    assert Lead.objects.filter(pk=alice_lead.pk, deleted_at__isnull=False).exists()
    # Meanwhile the company became a customer: restoring would create a duplicate.
    customer = customer_create(actor=personas.bob, name="上海星辰科技")
    with pytest.raises(Conflict):
        lead_restore(actor=personas.admin, id=alice_lead.pk)
    customer.deleted_at = timezone.now()
    customer.save(update_fields=["deleted_at"])
    with pytest.raises(PermissionDenied):
        lead_restore(actor=personas.manager, id=alice_lead.pk)
    restored = KINDS["lead"].restore(actor=personas.admin, id=alice_lead.pk)
    assert restored.deleted_at is None
    assert [e.verb for e in Event.objects.filter(lead_id=alice_lead.pk).order_by("id")] == [
        "lead.created", "lead.deleted", "lead.restored"]


# --- status --------------------------------------------------------------------------------------

def test_status_changes_and_converted_is_reached_only_by_conversion(personas, alice_lead):
    lead_set_status(actor=personas.alice, lead=alice_lead, status="qualified")
    assert Event.objects.get(verb="lead.status_changed").changes == {"status": ["new", "qualified"]}
    with pytest.raises(Conflict) as error:
        lead_set_status(actor=personas.alice, lead=alice_lead, status="converted")
    assert error.value.code == "invalid_transition"
    with pytest.raises(ValidationFailed):
        lead_set_status(actor=personas.alice, lead=alice_lead, status="bogus")
    alice_lead.refresh_from_db()
    assert alice_lead.status == "qualified"


def test_a_converted_lead_is_read_only(personas, alice_lead):
    Lead.objects.filter(pk=alice_lead.pk).update(status=Lead.Status.CONVERTED)
    for call in (lambda: lead_set_status(actor=personas.alice, lead=alice_lead, status="new"),
                 lambda: lead_update(actor=personas.alice, lead=alice_lead, data={"title": "x"}),
                 lambda: lead_assign(actor=personas.manager, lead=alice_lead, owner=personas.bob)):
        with pytest.raises(Conflict) as error:
            call()
        assert error.value.code == "invalid_transition"


def test_follow_up_touch_moves_times_forward_and_new_becomes_contacted(personas, alice_lead):
    later = timezone.now()
    earlier = later - dt.timedelta(days=2)
    lead_touch_follow_up(lead_id=alice_lead.pk, occurred_at=later, next_follow_up_at=later + dt.timedelta(days=3))
    lead_touch_follow_up(lead_id=alice_lead.pk, occurred_at=earlier, next_follow_up_at=None)
    alice_lead.refresh_from_db()
    assert alice_lead.last_follow_up_at == later and alice_lead.status == Lead.Status.CONTACTED
    assert alice_lead.next_follow_up_at == later + dt.timedelta(days=3)
    lead_set_status(actor=personas.alice, lead=alice_lead, status="qualified")
    lead_touch_follow_up(lead_id=alice_lead.pk, occurred_at=later, next_follow_up_at=None)
    alice_lead.refresh_from_db()
    assert alice_lead.status == Lead.Status.QUALIFIED  # only "new" moves on


# --- assign and transfer ---------------------------------------------------------------------------

def test_manager_assigns_a_pool_lead_and_the_new_owner_is_notified(personas, pool_lead):
    lead_assign(actor=personas.manager, lead=pool_lead, owner=personas.bob.pk)
    pool_lead.refresh_from_db()
    assert pool_lead.owner == personas.bob and pool_lead.assigned_at is not None
    event = Event.objects.get(verb="lead.assigned")
    assert event.lead_id == pool_lead.pk and event.changes == {"owner": [None, personas.bob.pk]}
    assert Notification.objects.filter(recipient=personas.bob, kind="assignment", object_id=pool_lead.pk).exists()


def test_assign_rules_permission_scope_and_active_target(personas, alice_lead):
    with pytest.raises(PermissionDenied):
        lead_assign(actor=personas.alice, lead=alice_lead, owner=personas.bob)
    with pytest.raises(ValidationFailed):
        lead_assign(actor=personas.manager, lead=alice_lead, owner=personas.carol)  # outside mike's scope
    personas.bob.is_active = False
    personas.bob.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed):
        lead_assign(actor=personas.manager, lead=alice_lead, owner=personas.bob)
    for bad in ("abc", 0, 10**30, None):
        with pytest.raises(ValidationFailed):
            lead_assign(actor=personas.manager, lead=alice_lead, owner=bad)
    lead_assign(actor=personas.director, lead=alice_lead, owner=personas.carol)  # the director sees everyone
    alice_lead.refresh_from_db()
    assert alice_lead.owner == personas.carol


def test_transfer_moves_an_owned_lead_and_tells_both_owners(personas, alice_lead, pool_lead):
    lead_transfer(actor=personas.manager, lead=alice_lead, owner=personas.bob)
    alice_lead.refresh_from_db()
    assert alice_lead.owner == personas.bob
    assert Event.objects.get(verb="lead.transferred").changes == {"owner": [personas.alice.pk, personas.bob.pk]}
    assert Notification.objects.filter(recipient=personas.bob).exists()
    assert Notification.objects.filter(recipient=personas.alice).exists()
    with pytest.raises(Conflict) as error:
        lead_transfer(actor=personas.manager, lead=pool_lead, owner=personas.bob)
    assert error.value.code == "invalid_transition"


def test_batch_assign_200_trade_fair_cards_round_robin_to_5_reps(personas, east_reps):
    leads = [lead_create(actor=personas.manager, company=f"Fair company {i}", owner=None) for i in range(200)]
    ids = [lead.pk for lead in leads]
    with translation.override("en"):
        result = lead_batch_assign(actor=personas.manager, leads=ids, owners=[rep.pk for rep in east_reps])
    assert result.total == 200
    for position, rep in enumerate(east_reps):
        assert result.by_owner[rep.pk] == ids[position::5]
        assert Lead.objects.filter(owner=rep).count() == 40
        notice = Notification.objects.get(recipient=rep)
        assert "40 leads" in notice.message
    assert Event.objects.filter(verb="lead.assigned").count() == 200


def test_batch_assign_to_one_owner(personas, pool_lead, alice_lead):
    result = lead_batch_assign(actor=personas.manager, leads=[pool_lead.pk, alice_lead.pk], owner=personas.bob)
    assert result.by_owner == {personas.bob.pk: [pool_lead.pk, alice_lead.pk]}
    assert set(Lead.objects.values_list("owner_id", flat=True)) == {personas.bob.pk}


def test_batch_assign_is_all_or_nothing(personas, pool_lead, alice_lead, bob_lead):
    Lead.objects.filter(pk=bob_lead.pk).update(status=Lead.Status.CONVERTED)
    with pytest.raises(Conflict):
        lead_batch_assign(actor=personas.manager, leads=[pool_lead.pk, bob_lead.pk], owner=personas.alice)
    carol_lead = lead_create(actor=personas.carol, company="Northern Co")
    with pytest.raises(ValidationFailed) as error:  # a lead outside mike's scope
        lead_batch_assign(actor=personas.manager, leads=[pool_lead.pk, carol_lead.pk], owner=personas.alice)
    assert "leads" in error.value.fields
    with pytest.raises(ValidationFailed):
        lead_batch_assign(actor=personas.manager, leads=[pool_lead.pk], owners=[personas.alice.pk, personas.carol.pk])
    with pytest.raises(ValidationFailed):
        lead_batch_assign(actor=personas.manager, leads=[], owner=personas.alice)
    with pytest.raises(ValidationFailed):
        lead_batch_assign(actor=personas.manager, leads=[pool_lead.pk], owner=personas.alice, owners=[personas.bob])
    with pytest.raises(PermissionDenied):
        lead_batch_assign(actor=personas.alice, leads=[alice_lead.pk], owner=personas.alice)
    pool_lead.refresh_from_db()
    assert pool_lead.owner is None
    assert not Event.objects.filter(verb="lead.assigned").exists()
    assert not Notification.objects.exists()
