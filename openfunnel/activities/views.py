"""Web pages of follow-ups, attachments, tasks and "my day": thin adapters over services and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openfunnel.accounts.scope import has_perm, require_perm, visible_owner_ids
from openfunnel.activities import links, selectors, services
from openfunnel.activities.filters import ActivityFilter, TaskFilter
from openfunnel.activities.forms import ActivityEditForm, ActivityForm, AttachmentForm, TaskForm
from openfunnel.activities.models import Activity, Task
from openfunnel.core.errors import NotFound, PermissionDenied
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage


def _safe_next(request: HttpRequest, target: str | None, fallback: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _record_cell(activity: Activity) -> Any:
    from django.utils.html import format_html

    if activity.customer_id:
        url, name = links.customer_url(activity.customer_id), activity.customer.name
    elif activity.lead_id:
        url, name = links.lead_url(activity.lead_id), activity.lead.company
    else:
        return ""
    return format_html('<a href="{}">{}</a>', url, name) if url else name


ACTIVITY_COLUMNS = [
    Column("occurred_at", gettext_lazy("Time"), sort="occurred_at"),
    Column("kind", gettext_lazy("Kind"), sort="kind"),
    Column("record", gettext_lazy("Customer / lead"), render=_record_cell),
    Column("contact", gettext_lazy("Contact"), render=lambda a: a.contact.name if a.contact else ""),
    Column("content", gettext_lazy("Content"), render=lambda a: a.content[:200]),
    Column("author", gettext_lazy("Author"), sort="author__name", render=lambda a: a.author.display_name),
    Column("attachments", gettext_lazy("Attachments"), render=lambda a: len(a.attachments.all()) or ""),
    Column("next_follow_up_at", gettext_lazy("Next follow-up"), sort="next_follow_up_at"),
]


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    page = ListPage(request, selectors.activities_visible_to(request.user), columns=ACTIVITY_COLUMNS,
                    key="activities", filterset_class=ActivityFilter, default_sort="-occurred_at")
    subtitle = ""
    try:
        if request.GET.get("customer"):
            subtitle = str(links.fetch_customer(actor=request.user, customer=request.GET["customer"]))
        elif request.GET.get("lead"):
            subtitle = str(links.fetch_lead(actor=request.user, lead=request.GET["lead"]))
    except NotFound:
        pass  # the filter then shows nothing the actor may not see anyway
    return render(request, "activities/activity_list.html",
                  {"page": page, "title": _("Follow-ups"), "subtitle": subtitle,
                   "row_actions_template": "activities/_activity_actions.html"})


def _linked_records(request: HttpRequest, source: Any) -> tuple[Any, Any, Any]:
    """The customer / lead / opportunity named by the form's hidden fields, as the actor sees them
    (NotFound otherwise); an opportunity brings its customer."""
    customer = lead = opportunity = None
    if source.get("opportunity"):
        opportunity = links.fetch_opportunity(actor=request.user, opportunity=source.get("opportunity"))
        customer = opportunity.customer
    if source.get("customer") and customer is None:
        customer = links.fetch_customer(actor=request.user, customer=source.get("customer"))
    if source.get("lead"):
        lead = links.fetch_lead(actor=request.user, lead=source.get("lead"))
    if customer is None and lead is None:
        raise NotFound()
    return customer, lead, opportunity


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "activities.create")
    source = request.POST if request.method == "POST" else request.GET
    customer, lead, opportunity = _linked_records(request, source)
    contacts = None
    if customer is not None:
        from openfunnel.customers.selectors import contacts_visible_to

        contacts = contacts_visible_to(request.user).filter(customer_id=customer.pk)
    back = _safe_next(request, source.get("next"),
                      links.opportunity_url(getattr(opportunity, "pk", None))
                      or links.record_url(customer_id=getattr(customer, "pk", None), lead_id=getattr(lead, "pk", None))
                      or reverse("activities:list"))
    form = ActivityForm(request.POST or None, request.FILES or None, customer=customer, lead=lead, contacts=contacts,
                        opportunity=opportunity, initial={"next": back})

    def save(data: dict[str, Any]) -> Activity:
        mentions = services.mentioned_users_in(data["content"])
        return services.activity_create(
            actor=request.user, kind=data["kind"], content=data["content"], occurred_at=data.get("occurred_at"),
            customer=customer, lead=lead, contact=data.get("contact"), opportunity=opportunity,
            next_follow_up_at=data.get("next_follow_up_at"), mentions=mentions, files=data.get("files") or [])

    if submit_form(request, form, save):
        messages.success(request, _("Follow-up saved."))
        return redirect(back)
    record = opportunity if opportunity is not None else customer if customer is not None else lead
    return render_form(request, form, {"title": _("Log a follow-up"), "subtitle": str(record), "cancel_url": back,
                                       "submit_label": _("Save follow-up")})


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(actor=request.user, id=pk)
    contacts = None
    if activity.customer_id:
        from openfunnel.customers.selectors import contacts_visible_to

        contacts = contacts_visible_to(request.user).filter(customer_id=activity.customer_id)
    initial = {"kind": activity.kind, "occurred_at": timezone.localtime(activity.occurred_at),
               "contact": activity.contact_id, "content": activity.content,
               "next_follow_up_at": timezone.localtime(activity.next_follow_up_at)
               if activity.next_follow_up_at else None}
    form = ActivityEditForm(request.POST or None, initial=initial, contacts=contacts)
    back = links.record_url(customer_id=activity.customer_id, lead_id=activity.lead_id) or reverse("activities:list")

    def save(data: dict[str, Any]) -> Activity:
        changes = {k: v for k, v in data.items() if k in form.changed_data}
        return services.activity_update(actor=request.user, activity=activity, data=changes)

    if request.method == "POST" and activity.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can change a follow-up."))
    if submit_form(request, form, save):
        messages.success(request, _("Follow-up saved."))
        return redirect(back)
    can_delete = services.activity_can_delete(request.user, activity)
    return render_form(request, form, {"title": _("Edit follow-up"), "cancel_url": back, "activity": activity,
                                       "can_delete": can_delete}, template="activities/activity_edit.html")


@login_required
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(actor=request.user, id=pk)
    services.activity_delete(actor=request.user, activity=activity)
    messages.success(request, _("Follow-up deleted."))
    back = links.record_url(customer_id=activity.customer_id, lead_id=activity.lead_id) or reverse("activities:list")
    return redirect(_safe_next(request, request.POST.get("next"), back))


INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attachment = selectors.attachment_get(actor=request.user, id=pk)
        handle = attachment.file.open("rb")
    except (NotFound, FileNotFoundError, OSError):
        raise Http404() from None
    # The uploader chose the content type: only types a browser cannot run script from are shown inline.
    inline = attachment.content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.name,
                            content_type=attachment.content_type if inline else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def attachment_upload(request: HttpRequest) -> HttpResponse:
    """Attaches a file to a customer or lead (the upload form of the detail pages)."""
    source = request.POST if request.method == "POST" else request.GET
    customer, lead, _opportunity = _linked_records(request, source)
    if customer is not None:
        lead = None
    if not services.attachment_can_add(request.user, customer=customer, lead=lead):
        raise PermissionDenied()
    back = _safe_next(request, source.get("next"), links.record_url(customer_id=getattr(customer, "pk", None),
                                                                    lead_id=getattr(lead, "pk", None))
                      or reverse("activities:list"))
    form = AttachmentForm(request.POST or None, request.FILES or None,
                          initial={"customer": getattr(customer, "pk", None), "lead": getattr(lead, "pk", None),
                                   "next": back})
    attachment = submit_form(request, form, lambda data: services.attachment_add(
        actor=request.user, file=data["file"], customer=customer, lead=lead))
    if attachment:
        messages.success(request, _("File “%(name)s” attached.") % {"name": attachment.name})
        return redirect(back)
    record = customer if customer is not None else lead
    return render_form(request, form, {"title": _("Attach a file"), "subtitle": str(record), "cancel_url": back,
                                       "submit_label": _("Upload")})


# --- tasks --------------------------------------------------------------------------------------------

def _assignees(actor: Any) -> Any:
    users = get_user_model().objects.filter(is_active=True).order_by("name", "username")
    ids = visible_owner_ids(actor)
    return users if ids is None else users.filter(pk__in=ids)


def _task_link(task: Task) -> Any:
    from django.utils.html import format_html

    return format_html('<a href="{}">{}</a>', reverse("activities:task_edit", args=[task.pk]), task.title)


TASK_COLUMNS = [
    Column("title", gettext_lazy("Title"), sort="title", render=_task_link),
    Column("due_at", gettext_lazy("Due"), sort="due_at"),
    Column("priority", gettext_lazy("Priority"), sort="priority"),
    Column("status", gettext_lazy("Status"), sort="status"),
    Column("assignee", gettext_lazy("Assignee"), sort="assignee__name", render=lambda t: t.assignee.display_name),
    Column("record", gettext_lazy("Customer / lead"),
           render=lambda t: t.customer.name if t.customer else (t.lead.company if t.lead else "")),
    Column("created_by", gettext_lazy("Created by"), default=False,
           render=lambda t: t.created_by.display_name if t.created_by else ""),
]


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.tasks_visible_to(request.user)
    if not request.GET:
        # The default view is the actor's own open work.
        queryset = queryset.filter(assignee_id=request.user.pk, status=Task.Status.OPEN)
    page = ListPage(request, queryset, columns=TASK_COLUMNS, key="tasks", filterset_class=TaskFilter,
                    default_sort="due_at")
    form = TaskForm(assignees=_assignees(request.user)) if has_perm(request.user, "tasks.manage") else None
    return render(request, "activities/task_list.html", {
        "page": page, "title": _("Tasks"), "form": form, "now": timezone.now(), "mine_only": not request.GET,
        "row_actions_template": "activities/_task_actions.html"})


def _task_save_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {"title": data["title"], "assignee": data.get("assignee"), "due_at": data.get("due_at"),
            "remind_at": data.get("remind_at"), "priority": data.get("priority") or Task.Priority.NORMAL,
            "description": data.get("description") or "", "customer": data.get("customer"), "lead": data.get("lead")}


@login_required
def task_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "tasks.manage")
    form = TaskForm(request.POST or None, assignees=_assignees(request.user),
                    initial={"customer": request.GET.get("customer"), "lead": request.GET.get("lead")})
    task = submit_form(request, form,
                       lambda data: services.task_create(actor=request.user, **_task_save_kwargs(data)))
    if task:
        messages.success(request, _("Task “%(title)s” created.") % {"title": task.title})
        return redirect(_safe_next(request, request.POST.get("next"), reverse("activities:tasks")))
    return render_form(request, form, {"title": _("New task"), "cancel_url": reverse("activities:tasks")})


@login_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(actor=request.user, id=pk)
    initial = {"title": task.title, "assignee": task.assignee_id, "priority": task.priority,
               "description": task.description, "customer": task.customer_id, "lead": task.lead_id,
               "due_at": timezone.localtime(task.due_at) if task.due_at else None,
               "remind_at": timezone.localtime(task.remind_at) if task.remind_at else None}
    form = TaskForm(request.POST or None, initial=initial, assignees=_assignees(request.user) | get_user_model()
                    .objects.filter(pk=task.assignee_id))

    def save(data: dict[str, Any]) -> Task:
        changes = {k: v for k, v in data.items() if k in form.changed_data and k not in ("customer", "lead")}
        if "assignee" in changes and changes["assignee"] is None:
            changes["assignee"] = request.user
        return services.task_update(actor=request.user, task=task, data=changes)

    if submit_form(request, form, save):
        messages.success(request, _("Task saved."))
        return redirect("activities:tasks")
    return render_form(request, form, {"title": task.title, "task": task, "cancel_url": reverse("activities:tasks"),
                                       "can_change": services.task_can_change(request.user, task)},
                       template="activities/task_edit.html")


TASK_ACTIONS = {"complete": (services.task_complete, gettext_lazy("Task completed.")),
                "reopen": (services.task_reopen, gettext_lazy("Task reopened.")),
                "cancel": (services.task_cancel, gettext_lazy("Task cancelled."))}


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    task = selectors.task_get(actor=request.user, id=pk)
    service, message = TASK_ACTIONS[action]
    task = service(actor=request.user, task=task)
    if request.headers.get("HX-Request"):
        return render(request, "activities/_task_row_status.html", {"task": task})
    messages.success(request, str(message))
    return redirect(_safe_next(request, request.POST.get("next"), reverse("activities:tasks")))


# --- my day -----------------------------------------------------------------------------------------

@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    day = selectors.my_day(actor=request.user)
    return render(request, "activities/my_day.html", {"title": _("My day"), "day": day, "now": timezone.now(),
                                                       "can_task": has_perm(request.user, "tasks.manage")})


MY_DAY_GROUP_TITLES = {
    "due_customers": gettext_lazy("Customers to follow up today"),
    "overdue_customers": gettext_lazy("Overdue customer follow-ups"),
    "due_leads": gettext_lazy("Leads to follow up today"),
    "overdue_leads": gettext_lazy("Overdue lead follow-ups"),
    "due_reminders": gettext_lazy("Reminders due today"),
    "overdue_reminders": gettext_lazy("Overdue reminders"),
    "tasks_overdue": gettext_lazy("Overdue tasks"),
    "tasks_today": gettext_lazy("Tasks due today"),
    "tasks_upcoming": gettext_lazy("Tasks in the next 7 days"),
}


@login_required
def my_day_group(request: HttpRequest) -> HttpResponse:
    """One agenda group of "my day" (?group=) in full: the list htmx puts in place of the page's first rows,
    or a page."""
    group = request.GET.get("group", "")
    if group not in MY_DAY_GROUP_TITLES:
        raise Http404
    rows, total = selectors.my_day_group(actor=request.user, group=group)
    context = {"title": MY_DAY_GROUP_TITLES[group], "group": group, "rows": rows, "total": total, "more": 0}
    if request.headers.get("HX-Request"):
        return render(request, "activities/_my_day_group.html", context)
    return render(request, "activities/my_day_group.html", context)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """A month of the actor's own agenda; ?month=YYYY-MM (anything else shows this month)."""
    import calendar as calendar_module
    import datetime as dt

    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = dt.date(year, month, 1)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        first = today.replace(day=1)
    days = selectors.calendar_month(actor=request.user, year=first.year, month=first.month)
    weeks = [[{"date": d, "in_month": d.month == first.month, "today": d == today, "entries": days.get(d, [])}
              for d in week] for week in calendar_module.Calendar().monthdatescalendar(first.year, first.month)]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(request, "activities/calendar.html", {
        "title": _("Calendar"), "first": first, "weeks": weeks, "previous": f"{previous:%Y-%m}",
        "next": f"{following:%Y-%m}"})


@login_required
@require_POST
def reminder_done(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = selectors.reminder_get(actor=request.user, id=pk)
    services.reminder_done(actor=request.user, reminder=reminder)
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    messages.success(request, _("Reminder done."))
    return redirect(_safe_next(request, request.POST.get("next"), reverse("activities:my_day")))
