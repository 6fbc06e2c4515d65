"""The rows of the "my day" agenda as HTML, written in Python rather than by a template included per row.

A page holds up to 90 rows (10 in each of nine groups). Rendered by the template engine (an include per row, its
lookups, filters, translations and CSRF tag) they cost about 0.2 ms each — 17 ms of CPU for a full page, more than
its queries; written here, some 20 microseconds each. The markup is the same as the templates' it replaced; the
task's status form is the open branch of `activities/_task_row_status.html` (the task list and the htmx answers
still render that template; a test keeps both the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from openfunnel.activities import links
from openfunnel.activities.models import Task
from openfunnel.core.links import pk_url

CUSTOMER_GROUPS = ("due_customers", "overdue_customers")
LEAD_GROUPS = ("due_leads", "overdue_leads")
REMINDER_GROUPS = ("due_reminders", "overdue_reminders")


def csrf_input(csrf_token: Any) -> str:
    """What `{% csrf_token %}` writes for the context's token."""
    token = str(csrf_token) if csrf_token else ""
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


class _Rows:
    """Writes the rows of one group. Text is escaped with the standard library's `html.escape`, which is what
    Django's `escape` (and so the templates' autoescaping) calls, without the lazy-string checks `format_html` pays
    for each argument; the words are translated, and the time zone found, once per group."""

    def __init__(self, csrf_token: Any) -> None:
        self.csrf_token = csrf_token
        self.csrf_input = csrf_input(csrf_token)
        self.zone = timezone.get_current_timezone()
        self.customer, self.lead, self.task, self.mark_done, self.last_follow_up = (
            escape(gettext(word)) for word in ("Customer", "Lead", "Task", "Mark done", "last follow-up"))

    def minute(self, value: dt.datetime) -> str:
        """`{{ value|date:"Y-m-d H:i" }}`: in the current time zone."""
        return f"{value.astimezone(self.zone):%Y-%m-%d %H:%M}"

    def record(self, when: dt.datetime, kind: str, name: str, url: str, last: dt.datetime | None) -> str:
        body = f'<a href="{escape(url)}">{escape(name)}</a>' if url else escape(name)
        if last:
            body += f' <span class="muted">· {self.last_follow_up} {last.astimezone(self.zone):%Y-%m-%d}</span>'
        return f'<li><div class="when">{self.minute(when)} · {kind}</div><div class="body">{body}</div></li>\n'

    def reminder(self, reminder: Any) -> str:
        message = escape(reminder.message)
        if reminder.task_id:
            link = f'<a href="{pk_url("activities:task_edit", reminder.task_id)}">{message}</a>'
        elif url := reminder.url:
            link = f'<a href="{escape(url)}">{message}</a>'
        else:
            link = message
        done_url = pk_url("activities:reminder_done", reminder.pk)
        return (f'<li data-testid="reminder" id="reminder-{reminder.pk}"><div class="when">{self.minute(reminder.due_at)}'
                f'{" · " + self.task if reminder.task_id else ""}</div>\n'
                f'  <div class="body">{link}\n'
                f'  <form method="post" action="{done_url}" hx-post="{done_url}" hx-target="#reminder-{reminder.pk}" '
                f'hx-swap="outerHTML" style="display:inline">{self.csrf_input}<button type="submit" class="btn btn-sm" '
                f'data-testid="reminder-done">✓ {self.mark_done}</button></form></div></li>\n')

    def task_status(self, task: Any) -> str:
        """`activities/_task_row_status.html` for `task`: written here for an open task (every task of the agenda)."""
        if task.status != Task.Status.OPEN:
            return render_to_string("activities/_task_row_status.html", {"task": task, "csrf_token": self.csrf_token})
        complete_url = pk_url("activities:task_complete", task.pk)
        return (f'<form method="post" action="{complete_url}" hx-post="{complete_url}" hx-target="#task-status-{task.pk}" '
                f'hx-swap="innerHTML" style="display:inline">{self.csrf_input}<button type="submit" class="btn btn-sm" '
                f'data-testid="task-complete">✓ {self.mark_done}</button></form>\n')

    def task_row(self, task: Any) -> str:
        if task.customer:
            record = f" · {escape(task.customer.name)}"
        elif task.lead:
            record = f" · {escape(task.lead.company)}"
        else:
            record = ""
        badge = " badge-blue" if task.priority == Task.Priority.HIGH else ""
        return (f'<li data-testid="my-day-task"><div class="when">{self.minute(task.due_at)} · <span class="badge{badge}">'
                f'{escape(str(task.get_priority_display()))}</span></div>\n'
                f'  <div class="body"><a href="{pk_url("activities:task_edit", task.pk)}">{escape(task.title)}</a>{record}\n'
                f'  <span id="task-status-{task.pk}">{self.task_status(task)}</span></div></li>\n')


def my_day_rows(group: str, rows: Iterable[Any], csrf_token: Any) -> SafeString:
    """The list items of one agenda group (`MY_DAY_GROUPS`) of `rows` as `my_day` / `my_day_group` return them."""
    write = _Rows(csrf_token)
    if group in CUSTOMER_GROUPS:
        html = [write.record(c.next_follow_up_at, write.customer, c.name, links.customer_url(c.pk), c.last_follow_up_at)
                for c in rows]
    elif group in LEAD_GROUPS:
        html = [write.record(lead.next_follow_up_at, write.lead, lead.company, links.lead_url(lead.pk),
                             lead.last_follow_up_at) for lead in rows]
    elif group in REMINDER_GROUPS:
        html = [write.reminder(reminder) for reminder in rows]
    else:
        html = [write.task_row(task) for task in rows]
    return mark_safe("".join(html))   # every value in it escaped above
