import datetime as dt

from django.utils import timezone

from openfunnel.activities.models import Reminder
from openfunnel.activities.selectors import calendar_month
from openfunnel.activities.services import activity_create, task_create
from openfunnel.customers.models import Customer

TZ = timezone.get_fixed_timezone(8 * 60)


def test_calendar_month(personas, web_as, alice_customer, carol_customer):
    year = timezone.now().year + 1  # always ahead: a planned follow-up is later than the one logged now
    at = dt.datetime(year, 12, 9, 15, 0, tzinfo=TZ)
    activity_create(actor=personas.manager, kind="call", content="coach", customer=alice_customer,
                    occurred_at=timezone.now(), next_follow_up_at=at + dt.timedelta(days=2))  # the manager's reminder
    task_create(actor=personas.alice, title="Send samples", due_at=at)
    Customer.objects.filter(pk=alice_customer.pk).update(next_follow_up_at=at + dt.timedelta(days=1))
    Customer.objects.filter(pk=carol_customer.pk).update(next_follow_up_at=at)
    Reminder.objects.create(user=personas.alice, due_at=at, message="Personal note")

    days = calendar_month(actor=personas.alice, year=year, month=12)
    assert [(e.kind, e.title) for e in days[dt.date(year, 12, 9)]] == [("task", "Send samples"),
                                                                      ("reminder", "Personal note")]
    assert [e.title for e in days[dt.date(year, 12, 10)]] == [alice_customer.name]
    assert dt.date(year, 12, 11) not in days
    manager_days = calendar_month(actor=personas.manager, year=year, month=12)
    assert [e.kind for e in manager_days[dt.date(year, 12, 11)]] == ["reminder"]

    browser = web_as(personas.alice)
    page = browser.get(f"/calendar/?month={year}-12")
    assert page.status_code == 200 and b"Send samples" in page.content and b"Harbin" not in page.content
    for bad in ("2026-13", "abc", "99999-01", "2026-12-01"):
        assert browser.get(f"/calendar/?month={bad}").status_code == 200
