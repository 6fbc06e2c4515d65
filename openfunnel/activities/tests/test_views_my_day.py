import datetime as dt

from django.utils import timezone

from openfunnel.activities.models import Reminder
from openfunnel.activities.selectors import my_day
from openfunnel.activities.services import activity_create, task_create
from openfunnel.customers.models import Customer


def test_my_day_contents(personas, web_as, alice_customer, carol_customer):
    now = timezone.localtime()
    today_later = now.replace(hour=23, minute=0, second=0, microsecond=0)
    Customer.objects.filter(pk=alice_customer.pk).update(next_follow_up_at=today_later)
    from openfunnel.customers.services import customer_create

    late = customer_create(actor=personas.alice, name="Overdue Metals")
    Customer.objects.filter(pk=late.pk).update(next_follow_up_at=now - dt.timedelta(days=2))
    Customer.objects.filter(pk=carol_customer.pk).update(next_follow_up_at=today_later)  # not alice's
    task_create(actor=personas.alice, title="Today's task", due_at=today_later)
    task_create(actor=personas.alice, title="Late task", due_at=now - dt.timedelta(days=1))
    task_create(actor=personas.alice, title="Next week task", due_at=now + dt.timedelta(days=3))
    task_create(actor=personas.alice, title="Far task", due_at=now + dt.timedelta(days=30))
    Reminder.objects.create(user=personas.alice, due_at=now - dt.timedelta(days=1), message="Old reminder")

    day = my_day(actor=personas.alice)
    assert day.due_customers == [alice_customer] and day.overdue_customers == [late]
    assert [t.title for t in day.tasks_today] == ["Today's task"]
    assert [t.title for t in day.tasks_overdue] == ["Late task"]
    assert [t.title for t in day.tasks_upcoming] == ["Next week task"]
    assert [r.message for r in day.overdue_reminders] == ["Old reminder"]
    assert day.stats["tasks_overdue"] == 1 and day.stats["overdue"] == 2

    page = web_as(personas.alice).get("/my-day/")
    assert page.status_code == 200
    for text in (b"Hangzhou Alpha Valves", b"Overdue Metals", b"Today&#x27;s task", b"Late task", b"Next week task",
                 b"Old reminder"):
        assert text in page.content, text
    assert b"Harbin Northern Steel" not in page.content and b"Far task" not in page.content
    assert web_as(personas.alice).get("/").url == "/my-day/"


def test_a_follow_up_after_the_planned_time_clears_it(personas, alice_customer):
    Customer.objects.filter(pk=alice_customer.pk).update(next_follow_up_at=timezone.now() - dt.timedelta(days=2))
    assert my_day(actor=personas.alice).overdue_customers == [alice_customer]
    activity_create(actor=personas.alice, kind="call", content="done", customer=alice_customer)
    assert my_day(actor=personas.alice).overdue_customers == []


def test_reminder_done(personas, web_as):
    reminder = Reminder.objects.create(user=personas.alice, due_at=timezone.now() - dt.timedelta(days=1),
                                       message="Call back")
    assert web_as(personas.bob).post(f"/reminders/{reminder.pk}/done/").status_code == 404
    assert web_as(personas.alice).post(f"/reminders/{reminder.pk}/done/", HTTP_HX_REQUEST="true").status_code == 200
    reminder.refresh_from_db()
    assert reminder.done_at is not None
    assert my_day(actor=personas.alice).overdue_reminders == []


def test_pages_are_translated(personas):
    from django.test import Client

    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(personas.alice)
    assert "今日待跟进" in browser.get("/my-day/").content.decode()
    assert "新建任务" in browser.get("/tasks/").content.decode()
    assert "未读" in browser.get("/notifications/").content.decode()


def test_my_day_shows_the_first_of_each_group_and_counts_the_rest(personas):
    from openfunnel.activities.selectors import MY_DAY_FIRST
    from openfunnel.customers.services import customer_create

    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    overdue = [customer_create(actor=personas.alice, name=f"Late {i:02d}") for i in range(MY_DAY_FIRST + 5)]
    for i, customer in enumerate(overdue):
        Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=start - dt.timedelta(hours=i + 1))
    today = customer_create(actor=personas.alice, name="Due today")
    Customer.objects.filter(pk=today.pk).update(next_follow_up_at=start + dt.timedelta(hours=23))

    day = my_day(actor=personas.alice, now=now)
    assert [c.pk for c in day.due_customers] == [today.pk]
    # the oldest first, cut at the page's limit, and counted in full
    assert [c.pk for c in day.overdue_customers] == [c.pk for c in reversed(overdue)][:MY_DAY_FIRST]
    assert day.counts["overdue_customers"] == MY_DAY_FIRST + 5 and day.counts["due_customers"] == 1
    assert day.stats["overdue"] == MY_DAY_FIRST + 5 and day.stats["due"] == 1
    assert day.left_out["overdue_customers"] == 5 and day.left_out["due_customers"] == 0


def test_show_all_lists_a_group_in_full(personas, web_as):
    from openfunnel.activities.selectors import MY_DAY_FIRST

    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(MY_DAY_FIRST + 3):
        task_create(actor=personas.alice, title=f"Chase invoice {i:02d}", due_at=start - dt.timedelta(hours=i + 1))
    task_create(actor=personas.bob, title="Bob's own chase", due_at=start - dt.timedelta(hours=1))
    Reminder.objects.create(user=personas.alice, due_at=start - dt.timedelta(hours=2), message="Only reminder")

    page = web_as(personas.alice).get("/my-day/").content.decode()
    assert page.count("Chase invoice") == MY_DAY_FIRST
    assert 'hx-get="/my-day/all/?group=tasks_overdue"' in page and "Show all 13" in page
    # a group that is shown whole has no "show all"
    assert "Only reminder" in page and "group=overdue_reminders" not in page

    rest = web_as(personas.alice).get("/my-day/all/?group=tasks_overdue", HTTP_HX_REQUEST="true").content.decode()
    assert rest.count("Chase invoice") == MY_DAY_FIRST + 3 and "Bob&#x27;s own chase" not in rest
    assert "<html" not in rest and 'id="my-day-tasks_overdue"' in rest and "Show all" not in rest
    full = web_as(personas.alice).get("/my-day/all/?group=tasks_overdue")
    assert full.status_code == 200 and full.content.decode().count("Chase invoice") == MY_DAY_FIRST + 3
    assert b"Overdue tasks" in full.content
    assert web_as(personas.alice).get("/my-day/all/?group=nothing").status_code == 404


def test_a_follow_up_reminder_of_a_listed_record_is_not_repeated(personas, alice_customer):
    now = timezone.localtime()
    Customer.objects.filter(pk=alice_customer.pk).update(next_follow_up_at=now - dt.timedelta(days=1))
    Reminder.objects.create(user=personas.alice, due_at=now - dt.timedelta(days=1), message="Follow up",
                            customer=alice_customer)
    task = task_create(actor=personas.alice, title="Send quote", due_at=now + dt.timedelta(days=2))
    Reminder.objects.create(user=personas.alice, due_at=now - dt.timedelta(days=1), message="Quote", task=task,
                            customer=alice_customer)
    day = my_day(actor=personas.alice)
    assert day.overdue_customers == [alice_customer]
    assert [r.message for r in day.overdue_reminders] == ["Quote"] and day.stats["overdue"] == 2
