"""The demo company builds (small scale here) and is what the README promises."""

from django.core.management import call_command

from openfunnel.accounts.models import Department, User
from openfunnel.activities.models import Activity
from openfunnel.customers.models import Contact, Customer
from openfunnel.demo.seed import DEMO_PASSWORD, build_demo, demo_loaded
from openfunnel.leads.models import Campaign, Lead


def test_demo_company_at_small_scale(db):
    summary = build_demo(scale=0.02)
    assert demo_loaded()
    assert summary.counts["customers"] == Customer.objects.count() >= 40
    assert Lead.objects.count() == 100 and Activity.objects.count() == 400
    assert Campaign.objects.count() == 16  # two per quarter over two years
    assert Department.objects.filter(parent__isnull=False, parent__parent__isnull=False).exists()  # two levels
    assert {u.role.code for u in User.objects.exclude(role=None)} == {"admin", "director", "manager", "rep", "finance"}
    assert User.objects.get(username="liu.yang").check_password(DEMO_PASSWORD)
    # every customer has a contact, and its last follow-up time is its latest follow-up
    assert not Customer.objects.filter(contacts__isnull=True).exists()
    for customer in Customer.objects.filter(activities__isnull=False).distinct()[:20]:
        latest = customer.activities.order_by("-occurred_at").first().occurred_at
        assert customer.last_follow_up_at == latest
    assert Contact.objects.filter(is_primary=True).count() == Customer.objects.count()
    # a second run keeps the company as it is
    assert build_demo(scale=0.02).counts == {}


def test_demo_command_without_serving(db, capsys):
    call_command("demo", "--no-serve", "--scale", "0.01")
    out = capsys.readouterr().out
    assert "Demo logins" in out and "liu.yang" in out and DEMO_PASSWORD in out
