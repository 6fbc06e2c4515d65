import datetime as dt

from django.utils import timezone

from openfunnel.activities.models import Activity, Reminder, Task
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


def _agenda(personas, now):
    """Customers, leads, reminders and tasks of several personas around the local day of `now`: due today, overdue,
    upcoming, far, done and converted, with a follow-up reminder of a listed customer (left out of the reminders)."""
    from openfunnel.customers.services import customer_create
    from openfunnel.leads.models import Lead
    from openfunnel.leads.services.leads import lead_create

    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    hours = [-50, -30, -20, -3, -1, 0, 1, 9, 23, 25, 30]
    for user in (personas.alice, personas.bob, personas.manager):
        for number, hour in enumerate(hours):
            at = start + dt.timedelta(hours=hour)
            customer = customer_create(actor=user, name=f"{user.username} customer {number}")
            last = at + dt.timedelta(minutes=5) if number % 5 == 4 else None   # followed up since: not pending
            Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=at, last_follow_up_at=last)
            lead = lead_create(actor=user, company=f"{user.username} lead {number}", next_follow_up_at=at)
            if number % 4 == 3:
                Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONVERTED)
            Reminder.objects.create(user=user, due_at=at - dt.timedelta(minutes=1), message=f"{user.username} r{number}",
                                    customer=customer if number % 3 == 0 else None)
            task = task_create(actor=user, title=f"{user.username} task {number}",
                               due_at=start + dt.timedelta(hours=hour * 4), customer=customer if number % 2 else None)
            if number % 6 == 5:
                Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)
    # a task the manager assigned to alice is on alice's agenda
    task_create(actor=personas.manager, title="Assigned to alice", assignee=personas.alice, due_at=start)
    # follow-ups logged: today (one of them deleted since), yesterday, and by bob today
    customer = Customer.objects.filter(owner=personas.alice).first()
    for hours, user in ((1, personas.alice), (2, personas.alice), (3, personas.alice), (-2, personas.alice),
                        (1, personas.manager)):
        activity = activity_create(actor=user, kind="call", content=f"call {hours}", customer=customer,
                                   occurred_at=min(start + dt.timedelta(hours=hours), timezone.now()))
        if hours == 3:
            Activity.objects.filter(pk=activity.pk).update(deleted_at=timezone.now())
    return start


def _rows(rows):
    return [(row.pk, type(row).__name__, getattr(row, "name", None), getattr(row, "company", None),
             getattr(row, "next_follow_up_at", None), getattr(row, "last_follow_up_at", None),
             getattr(row, "due_at", None), getattr(row, "message", None), getattr(row, "title", None),
             getattr(row, "priority", None), getattr(row, "customer_id", None), getattr(row, "lead_id", None),
             getattr(row, "task_id", None), row.my_day_slice, row.my_day_total,
             row.customer.name if isinstance(row, Task) and row.customer else None) for row in rows]


def _snapshot(personas, now, limit):
    from openfunnel.activities.selectors import MY_DAY_GROUPS, my_day_group

    found = {}
    for user in (personas.alice, personas.bob, personas.carol, personas.manager, personas.admin):
        day = my_day(actor=user, now=now, limit=limit)
        groups = {}
        for name in MY_DAY_GROUPS:
            rows, total = my_day_group(actor=user, group=name, now=now, limit=limit)
            groups[name] = (_rows(rows), total)
        found[user.username] = (day.today, day.counts, day.follow_ups_today,
                                {name: _rows(getattr(day, name)) for name in MY_DAY_GROUPS}, groups)
    return found


def test_the_compiled_agenda_is_what_the_orm_reads(personas, monkeypatch):
    from openfunnel.core.compiled import CompiledQuery

    now = timezone.localtime().replace(hour=15, minute=30)
    _agenda(personas, now)
    compiled = _snapshot(personas, now, limit=3)
    alice = compiled["alice"]
    assert alice[1]["overdue_customers"] > 3 and len(alice[3]["overdue_customers"]) == 3   # cut at the limit
    assert all(alice[1][name] for name in alice[1]), alice[1]   # every group holds rows
    assert "Assigned to alice" in [row[8] for row in alice[3]["tasks_today"]]
    assert alice[4]["overdue_customers"][1] == alice[1]["overdue_customers"]
    assert alice[2] == 2 and compiled["mike"][2] == 1 and compiled["bob"][2] == 0   # follow-ups logged today
    # the same selectors with every query built and compiled by the ORM on each call
    monkeypatch.setattr(CompiledQuery, "all", lambda self, *args: list(self.build(*args)))
    assert _snapshot(personas, now, limit=3) == compiled
    # and another day (other moments through the same compiled shapes) and limit
    monkeypatch.undo()
    later, other = now + dt.timedelta(days=1), _snapshot(personas, now + dt.timedelta(days=1), limit=10)
    monkeypatch.setattr(CompiledQuery, "all", lambda self, *args: list(self.build(*args)))
    assert _snapshot(personas, later, limit=10) == other


def test_every_task_assigned_to_the_actor_is_in_their_scope(personas):
    """My day reads the actor's own tasks by assignee alone (without `tasks_visible_to`): this holds for every role."""
    from openfunnel.activities.selectors import tasks_visible_to

    for user in (personas.admin, personas.director, personas.manager, personas.alice, personas.carol,
                 personas.finance):
        task = Task.objects.create(title=f"for {user.username}", assignee=user, created_by=personas.admin)
        assert tasks_visible_to(user).filter(pk=task.pk).exists(), user.username


def test_the_rows_show_local_times_escaped_names_and_the_shared_task_status(personas, web_as):
    """The agenda's rows are written in Python (activities.my_day_rows): what the row templates wrote."""
    import re

    from django.template.loader import render_to_string
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from openfunnel.customers.services import customer_create
    from openfunnel.leads.services.leads import lead_create

    with timezone.override("America/New_York"):   # not the default zone: the rows show the current zone's times
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        customer = customer_create(actor=personas.alice, name="Alpha & <Beta>")
        Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=start + dt.timedelta(hours=23, minutes=5),
                                                       last_follow_up_at=start - dt.timedelta(days=3))
        lead = lead_create(actor=personas.alice, company="Gamma Leads", next_follow_up_at=start - dt.timedelta(hours=2))
        quiet = lead_create(actor=personas.alice, company="Quiet Lead")
        task = task_create(actor=personas.alice, title="Send <quote>", due_at=start + dt.timedelta(hours=9),
                           priority="high", customer=customer)
        Reminder.objects.create(user=personas.alice, due_at=start + dt.timedelta(hours=1), message="Quote", task=task)
        call = Reminder.objects.create(user=personas.alice, due_at=start - dt.timedelta(days=1), message="Call Quiet",
                                       lead=quiet)
        page = web_as(personas.alice).get("/my-day/").content.decode()
        zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        zh.force_login(personas.alice)
        chinese = zh.get("/my-day/").content.decode()

    day = f"{start:%Y-%m-%d}"
    assert (f'<li><div class="when">{day} 23:05 · Customer</div><div class="body"><a href="/customers/{customer.pk}/">'
            f'Alpha &amp; &lt;Beta&gt;</a> <span class="muted">· last follow-up '
            f'{start - dt.timedelta(days=3):%Y-%m-%d}</span></div></li>\n') in page
    assert (f'<li><div class="when">{start - dt.timedelta(hours=2):%Y-%m-%d %H:%M} · Lead</div><div class="body">'
            f'<a href="/leads/{lead.pk}/">Gamma Leads</a></div></li>\n') in page
    assert (f'<li data-testid="my-day-task"><div class="when">{day} 09:00 · <span class="badge badge-blue">High</span>'
            f'</div>\n  <div class="body"><a href="{reverse("activities:task_edit", args=[task.pk])}">Send &lt;quote&gt;'
            f'</a> · Alpha &amp; &lt;Beta&gt;\n') in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    with translation.override("en"):
        status = render_to_string("activities/_task_row_status.html", {"task": task, "csrf_token": token})
    assert f'<span id="task-status-{task.pk}">{status}</span></div></li>\n' in page
    assert (f'<div class="when">{day} 01:00 · Task</div>\n  <div class="body"><a href="'
            f'{reverse("activities:task_edit", args=[task.pk])}">Quote</a>\n  <form method="post" action="') in page
    done = reverse("activities:reminder_done", args=[call.pk])
    assert (f'<li data-testid="reminder" id="reminder-{call.pk}"><div class="when">'
            f'{start - dt.timedelta(days=1):%Y-%m-%d} 00:00</div>\n  <div class="body"><a href="/leads/{quiet.pk}/">'
            f'Call Quiet</a>\n  <form method="post" action="{done}" hx-post="{done}" hx-target="#reminder-{call.pk}" '
            f'hx-swap="outerHTML" style="display:inline"><input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            f'<button type="submit" class="btn btn-sm" data-testid="reminder-done">✓ Mark done</button></form></div>'
            f'</li>\n') in page
    for words in ("客户", "线索", "最近跟进", "标记完成", "任务"):
        assert words in chinese, words
    # a task no longer open (none on the agenda today) gets the shared template's status as it is
    from openfunnel.activities.my_day_rows import my_day_rows

    Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)
    task.refresh_from_db()
    with translation.override("en"):
        status = render_to_string("activities/_task_row_status.html", {"task": task, "csrf_token": token})
        assert "Reopen" in status and f'<span id="task-status-{task.pk}">{status}</span>' in my_day_rows(
            "tasks_today", [task], token)
