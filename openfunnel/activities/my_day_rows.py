"""The rows of the "my day" agenda as HTML, written with `format_html` rather than a template included per row.

A page holds up to 90 rows (10 in each of nine groups). Rendered by the template engine (an include per row, its
lookups, filters, translations and CSRF tag) they cost about 0.2 ms each — 17 ms of CPU for a full page, more than
its queries; written here, a few microseconds each. The markup is the same as the templates' it replaced; the
task's status form is the open branch of `activities/_task_row_status.html` (the task list and the htmx answers
still render that template; a test keeps both the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from openfunnel.activities import links
from openfunnel.activities.models import Task
from openfunnel.core.links import pk_url

CUSTOMER_GROUPS = ("due_customers", "overdue_customers")
LEAD_GROUPS = ("due_leads", "overdue_leads")
REMINDER_GROUPS = ("due_reminders", "overdue_reminders")


def _minute(value: dt.datetime) -> str:
    """`{{ value|date:"Y-m-d H:i" }}`: in the current time zone."""
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _day(value: dt.datetime) -> str:
    """`{{ value|date:"Y-m-d" }}`: in the current time zone."""
    return f"{timezone.localtime(value):%Y-%m-%d}"


@dataclass(frozen=True)
class _Words:
    """The rows' words in the active language, translated once per group."""

    customer: str
    lead: str
    task: str
    mark_done: str
    last_follow_up: str

    @classmethod
    def now(cls) -> _Words:
        return cls(customer=gettext("Customer"), lead=gettext("Lead"), task=gettext("Task"),
                   mark_done=gettext("Mark done"), last_follow_up=gettext("last follow-up"))


def _record(when: dt.datetime, kind: str, name: str, url: str, last: dt.datetime | None, words: _Words) -> SafeString:
    body = format_html('<a href="{}">{}</a>', url, name) if url else conditional_escape(name)
    if last:
        body = format_html('{} <span class="muted">· {} {}</span>', body, words.last_follow_up, _day(last))
    return format_html('<li><div class="when">{} · {}</div><div class="body">{}</div></li>\n', _minute(when), kind,
                       body)


def _reminder(reminder: Any, csrf_input: str, words: _Words) -> SafeString:
    if reminder.task_id:
        link = format_html('<a href="{}">{}</a>', pk_url("activities:task_edit", reminder.task_id), reminder.message)
    elif url := reminder.url:
        link = format_html('<a href="{}">{}</a>', url, reminder.message)
    else:
        link = conditional_escape(reminder.message)
    done_url = pk_url("activities:reminder_done", reminder.pk)
    return format_html(
        '<li data-testid="reminder" id="reminder-{}"><div class="when">{}{}</div>\n'
        '  <div class="body">{}\n'
        '  <form method="post" action="{}" hx-post="{}" hx-target="#reminder-{}" hx-swap="outerHTML" '
        'style="display:inline">{}<button type="submit" class="btn btn-sm" data-testid="reminder-done">✓ {}</button>'
        '</form></div></li>\n',
        reminder.pk, _minute(reminder.due_at), format_html(" · {}", words.task) if reminder.task_id else "", link,
        done_url, done_url, reminder.pk, csrf_input, words.mark_done)


def task_status(task: Any, csrf_token: Any, csrf_input: str, words: _Words) -> SafeString:
    """`activities/_task_row_status.html` for `task`: written here for an open task (every task of the agenda)."""
    if task.status != Task.Status.OPEN:
        # the template's own output (escaped by it)
        return mark_safe(render_to_string("activities/_task_row_status.html", {"task": task, "csrf_token": csrf_token}))
    complete_url = pk_url("activities:task_complete", task.pk)
    return format_html(
        '<form method="post" action="{}" hx-post="{}" hx-target="#task-status-{}" hx-swap="innerHTML" '
        'style="display:inline">{}<button type="submit" class="btn btn-sm" data-testid="task-complete">✓ {}</button>'
        '</form>\n', complete_url, complete_url, task.pk, csrf_input, words.mark_done)


def _task(task: Any, csrf_token: Any, csrf_input: str, words: _Words) -> SafeString:
    if task.customer:
        record = format_html(" · {}", task.customer.name)
    elif task.lead:
        record = format_html(" · {}", task.lead.company)
    else:
        record = ""
    return format_html(
        '<li data-testid="my-day-task"><div class="when">{} · <span class="badge{}">{}</span></div>\n'
        '  <div class="body"><a href="{}">{}</a>{}\n'
        '  <span id="task-status-{}">{}</span></div></li>\n',
        _minute(task.due_at), " badge-blue" if task.priority == Task.Priority.HIGH else "", task.get_priority_display(),
        pk_url("activities:task_edit", task.pk), task.title, record, task.pk,
        task_status(task, csrf_token, csrf_input, words))


def csrf_input(csrf_token: Any) -> str:
    """What `{% csrf_token %}` writes for the context's token."""
    if not csrf_token:
        return ""
    token = str(csrf_token)
    if token == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def my_day_rows(group: str, rows: Iterable[Any], csrf_token: Any) -> SafeString:
    """The list items of one agenda group (`MY_DAY_GROUPS`) of `rows` as `my_day` / `my_day_group` return them."""
    words = _Words.now()
    if group in CUSTOMER_GROUPS:
        html = [_record(c.next_follow_up_at, words.customer, c.name, links.customer_url(c.pk), c.last_follow_up_at,
                        words) for c in rows]
    elif group in LEAD_GROUPS:
        html = [_record(lead.next_follow_up_at, words.lead, lead.company, links.lead_url(lead.pk),
                        lead.last_follow_up_at, words) for lead in rows]
    else:
        form = csrf_input(csrf_token)
        if group in REMINDER_GROUPS:
            html = [_reminder(reminder, form, words) for reminder in rows]
        else:
            html = [_task(task, csrf_token, form, words) for task in rows]
    return mark_safe("".join(html))   # every part built by format_html
