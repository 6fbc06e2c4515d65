"""Web pages of opportunities and pipelines: thin adapters over the same services and selectors as the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openfunnel.accounts.scope import has_perm, require_perm
from openfunnel.audit.verbs import verb_label
from openfunnel.core.api import parse_id
from openfunnel.core.errors import DomainError, NotFound, ValidationFailed
from openfunnel.core.forms import apply_domain_error
from openfunnel.sales import selectors, services
from openfunnel.sales.api import attachment_response
from openfunnel.sales.board_tally import week_start
from openfunnel.sales.cards import decorate, decorate_opportunity
from openfunnel.sales.filters import BOARD_FILTERS, BoardFilter, OpportunityFilter
from openfunnel.sales.forms import (
    AttachmentForm,
    ContactLinkForm,
    LineForm,
    LoseForm,
    LostReasonForm,
    MoveForm,
    OpportunityCreateForm,
    OpportunityEditForm,
    PipelineCreateForm,
    PipelineForm,
    ShareForm,
    StageForm,
    StageRetireForm,
)
from openfunnel.sales.models import Opportunity, Stage
from openfunnel.sales.requirements import REQUIRABLE_FIELDS, requirements_missing
from openfunnel.web.choices import lighten_form, reference_cached
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage, kept_filter_panel

BOARD_CAP = 10          # cards per column in the board's first answer; the rest load as the column scrolls
BOARD_STEP = 20         # cards per further load
MAX_CARD_OFFSET = 500   # past it a column links to the list instead
CLOSED_DAYS = 90


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refresh() -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response


# --- kanban board ----------------------------------------------------------------------------------------

@dataclass
class BoardView:
    """What the board and its column loader share: the pipeline, the filters and the rows they select."""
    pipeline: Any
    pipelines: list[Any]
    filterset: BoardFilter
    queryset: Any
    closed_since: dt.datetime | None
    now: dt.datetime
    tally_owner_q: Any       # the filters as a condition on the kanban tally's owners; None: the tally can't serve

    lightened: bool = False  # the form's choices made light (web.choices.lighten_form)

    def form(self) -> Any:
        """The filter form, ready to render (asked for only when the board's kept filter fields are rendered)."""
        if not self.lightened:
            lighten_form(self.filterset.form, self.filterset.request.user, default_picker="scope")
            self.lightened = True
        return self.filterset.form


def _board_view(request: HttpRequest) -> BoardView:
    actor = request.user
    # the same for everyone (pipelines_visible_to does not depend on the actor): kept with the reference data
    pipelines = reference_cached(actor, "board-pipelines",
                                 lambda: list(selectors.pipelines_visible_to(actor, active_only=True)))
    wanted = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == wanted), None) or (pipelines[0] if pipelines else None)
    visible = selectors.opportunities_visible_to(actor)
    # Bound only when a filter is given: the board as opened (at most a pipeline chosen) builds no form at all.
    filtering = any(request.GET.get(name) for name in BOARD_FILTERS)
    filterset = BoardFilter(request.GET if filtering else None, queryset=visible, request=request)
    if filtering:
        lighten_form(filterset.form, actor, default_picker="scope")
    valid = filtering and filterset.is_valid()
    now = timezone.now()
    # Won and lost columns: the deals closed in the chosen close period, else since the start of the week
    # CLOSED_DAYS days ago (a week's start, so that the kanban tally's weeks hold exactly these deals).
    dated = valid and any(filterset.form.cleaned_data.get(name) for name in ("period", "close_from", "close_to"))
    return BoardView(pipeline=pipeline, pipelines=pipelines, filterset=filterset,
                     queryset=filterset.qs if valid else visible,
                     closed_since=None if dated else week_start(now - dt.timedelta(days=CLOSED_DAYS)), now=now,
                     tally_owner_q=filterset.tally_owner_q(), lightened=filtering)


def _board_params(request: HttpRequest, view: BoardView) -> dict[str, Any]:
    params = {k: v for k, v in request.GET.items() if k in BOARD_FILTERS and v}
    return {**params, "pipeline": getattr(view.pipeline, "pk", "")}


@login_required
def board(request: HttpRequest) -> HttpResponse:
    actor = request.user
    view = _board_view(request)
    pipeline = view.pipeline
    columns = (selectors.board_columns(pipeline=pipeline, queryset=view.queryset, cap=BOARD_CAP,
                                       closed_since=view.closed_since,
                                       tally_for=actor if view.tally_owner_q is not None else None,
                                       tally_owner_q=view.tally_owner_q) if pipeline else [])
    params = _board_params(request, view)
    cards_base = reverse("sales:board_cards") + "?" + urlencode(params)
    can_edit = has_perm(actor, "opportunities.edit")
    for column in columns:
        decorate(column.cards, view.now, can_edit=can_edit)
        if column.more:
            column.next_url = f"{cards_base}&{urlencode({'stage': column.stage.pk, 'offset': len(column.cards)})}"
    context = {"title": _("Opportunities"), "pipelines": view.pipelines, "pipeline": pipeline, "columns": columns,
               "totals": selectors.board_totals(columns),
               "more_base": reverse("sales:list") + "?" + urlencode(params),
               "can_edit": can_edit,
               "closed_since": timezone.localdate(view.closed_since) if view.closed_since is not None else None,
               "board_url": request.get_full_path()}
    if _htmx(request) and request.GET.get("fragment") == "board":
        return render(request, "sales/_board.html", context)
    context["filter_fields"] = kept_filter_panel(
        request, BoardFilter, view.form,
        lambda: render_to_string("sales/_board_filter_fields.html", {"form": view.form()}, request=request),
        ignored=frozenset({"pipeline"}))
    return render(request, "sales/board.html", context)


@login_required
def board_cards(request: HttpRequest) -> HttpResponse:
    """The next cards of one column, asked for as the column scrolls to its end (or its "more" button)."""
    view = _board_view(request)
    try:
        stage_id = parse_id(request.GET.get("stage"))
    except NotFound:
        raise Http404 from None
    stage = next((s for s in view.pipeline.stages.all() if s.pk == stage_id and s.is_active),
                 None) if view.pipeline else None
    if stage is None:
        raise Http404
    try:
        offset = min(max(int(request.GET.get("offset", "")), 0), MAX_CARD_OFFSET)
    except ValueError:
        offset = 0
    cards = selectors.board_cards(pipeline=view.pipeline, stage=stage, queryset=view.queryset, offset=offset,
                                  limit=BOARD_STEP + 1, closed_since=view.closed_since)
    more = len(cards) > BOARD_STEP
    cards = cards[:BOARD_STEP]
    decorate(cards, view.now, can_edit=has_perm(request.user, "opportunities.edit"))
    params = {**_board_params(request, view), "stage": stage.pk}
    following = offset + len(cards)
    next_url = (reverse("sales:board_cards") + "?" + urlencode({**params, "offset": following})
                if more and following < MAX_CARD_OFFSET else "")
    return render(request, "sales/_board_cards.html", {
        "cards": cards, "can_edit": has_perm(request.user, "opportunities.edit"), "stage": stage,
        "next_url": next_url,
        "list_url": reverse("sales:list") + "?" + urlencode(params) if more and not next_url else ""})


# --- list and report -------------------------------------------------------------------------------------

def _flags(o: Opportunity) -> str:
    flags = []
    if o.is_past_close_date:
        flags.append(str(_("Overdue")))
    if o.is_stalled:
        flags.append(str(_("Stalled")))
    return " · ".join(flags)


OPPORTUNITY_COLUMNS = [
    Column("name", gettext_lazy("Name"), sort="name", link=True),
    Column("customer__name", gettext_lazy("Customer"), sort="customer__name"),
    Column("stage__name", gettext_lazy("Stage"), sort="stage__order"),
    Column("amount", gettext_lazy("Amount"), sort="amount"),
    Column("weighted_amount", gettext_lazy("Weighted amount"), default=False),
    Column("expected_close_date", gettext_lazy("Expected close date"), sort="expected_close_date"),
    Column("probability", gettext_lazy("Probability %"), sort="probability"),
    Column("forecast_category", gettext_lazy("Forecast category"), sort="forecast_category"),
    Column("owner__display_name", gettext_lazy("Owner"), sort="owner__name"),
    Column("status", gettext_lazy("Status"), sort="status"),
    Column("flags", gettext_lazy("Flags"), render=_flags),
    Column("next_step", gettext_lazy("Next step"), default=False),
    Column("competitor", gettext_lazy("Competitor"), default=False),
    Column("close_date_push_count", gettext_lazy("Close date pushed back"), sort="close_date_push_count",
           default=False),
    Column("pipeline__name", gettext_lazy("Pipeline"), default=False),
]


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    page = ListPage(request, selectors.opportunities_visible_to(request.user), columns=OPPORTUNITY_COLUMNS,
                    key="opportunities", filterset_class=OpportunityFilter, default_sort="-id")
    actions = [{"url": reverse("sales:board"), "label": _("Kanban")},
               {"url": reverse("sales:overdue_report"), "label": _("Not closed in time")}]
    if has_perm(request.user, "opportunities.create"):
        actions.insert(0, {"url": reverse("sales:create"), "label": _("New opportunity")})
    return render(request, "web/list_page.html", {"page": page, "title": _("Opportunities"), "actions": actions})


@login_required
def overdue_report(request: HttpRequest) -> HttpResponse:
    visible = selectors.opportunities_visible_to(request.user)
    filterset = OpportunityFilter(request.GET or None, queryset=visible, request=request)
    lighten_form(filterset.form, request.user, default_picker="scope")
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    for name in list(filterset.form.fields):
        if name not in ("owner", "department", "pipeline", "search"):
            del filterset.form.fields[name]
    rows = selectors.overdue_report(queryset=queryset, today=timezone.localdate())
    return render(request, "sales/overdue_report.html", {"title": _("Opportunities not closed in time"),
                                                         "rows": rows, "filterset": filterset})


# --- create, edit, page ----------------------------------------------------------------------------------

@login_required
def opportunity_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "opportunities.create")
    initial = {"customer": request.GET.get("customer")} if str(request.GET.get("customer", "")).isdigit() else {}
    form = OpportunityCreateForm(request.POST or None, actor=request.user, initial=initial)
    opportunity = submit_form(request, form,
                              lambda data: services.opportunity_create(actor=request.user, **form.service_kwargs()))
    if opportunity:
        messages.success(request, _("Opportunity “%(name)s” created.") % {"name": opportunity.name})
        return redirect(opportunity.get_absolute_url())
    return render_form(request, form, {"title": _("New opportunity"), "cancel_url": reverse("sales:board")})


@login_required
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    form = OpportunityEditForm(request.POST or None, actor=request.user, opportunity=opportunity)

    def save(data: dict[str, Any]) -> Any:
        return services.opportunity_update(actor=request.user, opportunity=opportunity, data=form.changed_values(),
                                           expected_version=data["version"])

    if submit_form(request, form, save):
        messages.success(request, _("Opportunity saved."))
        return redirect(opportunity.get_absolute_url())
    return render_form(request, form, {"title": opportunity.name, "cancel_url": opportunity.get_absolute_url()})


def _checklist(opportunity: Opportunity) -> list[dict[str, Any]]:
    done = set((opportunity.checklist_done or {}).get(str(opportunity.stage_id), []))
    return [{"item": item, "done": item in done} for item in opportunity.stage.checklist or []]


def _follow_up_url(opportunity: Opportunity) -> str:
    try:
        return reverse("activities:create") + "?" + urlencode({"opportunity": opportunity.pk})
    except NoReverseMatch:
        return ""


def _customer_url(customer_id: int) -> str:
    try:
        return reverse("customers:detail", args=[customer_id])
    except NoReverseMatch:
        return ""


def _detail(request: HttpRequest, opportunity: Opportunity, *, status: int = 200, **forms: Any) -> HttpResponse:
    actor = request.user
    can_edit = selectors.opportunity_can_edit(actor, opportunity)
    stages = [s for s in opportunity.pipeline.stages.all() if s.is_active or s.pk == opportunity.stage_id]
    open_stages = [s for s in stages if s.kind == Stage.Kind.OPEN]
    changes = selectors.opportunity_history(opportunity=opportunity)
    next_stage = next((s for s in open_stages if s.order > opportunity.stage.order), None) \
        if opportunity.is_open and opportunity.stage.kind == Stage.Kind.OPEN else None
    next_missing = {}
    if next_stage is not None and can_edit:
        next_missing = requirements_missing(opportunity=opportunity, current=opportunity.stage, target=next_stage,
                                            stages=stages)
    events = selectors.opportunity_events(opportunity=opportunity)
    for event in events:
        event.label = verb_label(event.verb)
    decorate_opportunity(opportunity, timezone.now())
    context = {
        "title": opportunity.name, "opportunity": opportunity, "can_edit": can_edit,
        "can_delete": has_perm(actor, "opportunities.delete") and can_edit,
        "can_share": has_perm(actor, "opportunities.share") and can_edit,
        "stages": stages, "open_stages": open_stages,
        "won_stage": next((s for s in stages if s.kind == Stage.Kind.WON), None),
        "lost_stage": next((s for s in stages if s.kind == Stage.Kind.LOST), None),
        "changes": changes, "stage_times": selectors.opportunity_stage_times(opportunity=opportunity, changes=changes),
        "attachments": selectors.opportunity_attachments(opportunity=opportunity),
        "events": events, "activities": selectors.opportunity_activities(opportunity=opportunity),
        "follow_up_url": _follow_up_url(opportunity), "customer_url": _customer_url(opportunity.customer_id),
        "checklist": _checklist(opportunity), "next_stage": next_stage,
        "next_missing": [REQUIRABLE_FIELDS.get(k, _("Attachments")) for k in next_missing],
        "line_form": forms.get("line_form") or LineForm(prefix="line"),
        "contact_form": forms.get("contact_form") or ContactLinkForm(opportunity=opportunity, prefix="contact"),
        "share_form": forms.get("share_form") or ShareForm(prefix="share"),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(opportunity=opportunity, prefix="file"),
    }
    return render(request, "sales/opportunity_detail.html", context, status=status)


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.opportunity_get(actor=request.user, id=pk))


# --- moves -------------------------------------------------------------------------------------------------

MISSING_LABELS = {**REQUIRABLE_FIELDS, "attachments": gettext_lazy("Attachments"),
                  "lost_reason": gettext_lazy("Lost reason")}


def _move_response(request: HttpRequest, opportunity: Opportunity, stage: Stage, form: MoveForm,
                   missing: dict[str, list[Any]], *, status: int, message: Any = "") -> HttpResponse:
    context = {"opportunity": opportunity, "stage": stage, "form": form, "message": message, "missing_fields": list(missing),
               "missing": [{"field": k, "label": MISSING_LABELS.get(k, k), "messages": v} for k, v in missing.items()],
               "title": _("Move to “%(stage)s”") % {"stage": stage.name}}
    template = "sales/_move_form.html" if _htmx(request) else "sales/move_page.html"
    response = render(request, template, context, status=status)
    response["X-Move-Refused"] = "1" if status >= 400 else "0"
    return response


def _move_refused(request: HttpRequest, opportunity: Opportunity, stage: Stage, error: DomainError) -> HttpResponse:
    context = {"opportunity": opportunity, "stage": stage, "message": error.message, "title": _("Not moved")}
    template = "sales/_move_error.html" if _htmx(request) else "sales/move_error_page.html"
    response = render(request, template, context, status=error.status)
    response["X-Move-Refused"] = "1"
    return response


def _do_move(request: HttpRequest, opportunity: Opportunity, stage: Stage) -> HttpResponse:
    form = MoveForm(request.POST, request.FILES, opportunity=opportunity)
    if not form.is_valid():
        return _move_response(request, opportunity, stage, form, {}, status=400)
    try:
        services.opportunity_move(actor=request.user, opportunity=opportunity, stage=stage, **form.service_kwargs())
    except ValidationFailed as error:
        if error.code == "stage_requirements_missing":
            form = MoveForm(request.POST, opportunity=opportunity, missing=list(error.fields))
            return _move_response(request, opportunity, stage, form, error.fields, status=400, message=error.message)
        apply_domain_error(form, error)
        return _move_response(request, opportunity, stage, form, {}, status=400)
    except DomainError as error:
        return _move_refused(request, opportunity, stage, error)
    if _htmx(request):
        return _refresh()
    messages.success(request, _("Moved to “%(stage)s”.") % {"stage": stage.name})
    return redirect(opportunity.get_absolute_url())


@login_required
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    """GET ?stage=: what entering that stage still needs (the form to fill in place); POST: the move."""
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    data = request.POST if request.method == "POST" else request.GET
    stage = selectors.stage_get(pipeline=opportunity.pipeline, id=data.get("stage"))
    if request.method == "POST":
        return _do_move(request, opportunity, stage)
    if stage.kind == Stage.Kind.LOST:
        missing = {"lost_reason": [_("Required to enter “%(stage)s”.") % {"stage": stage.name}]}
    else:
        stages = list(opportunity.pipeline.stages.all())
        missing = requirements_missing(opportunity=opportunity, current=opportunity.stage, target=stage, stages=stages)
    form = MoveForm(initial={"stage": stage.pk}, opportunity=opportunity, missing=list(missing))
    return _move_response(request, opportunity, stage, form, missing, status=200)


@login_required
@require_POST
def opportunity_win(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    won = next((s for s in opportunity.pipeline.stages.all() if s.kind == Stage.Kind.WON), None)
    if won is None:
        raise ValidationFailed(fields={"stage": [_("This pipeline has no won stage.")]})
    request.POST = request.POST.copy()
    request.POST["stage"] = str(won.pk)
    return _do_move(request, opportunity, won)


@login_required
def opportunity_lose(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    form = LoseForm(request.POST or None, prefix="lose")

    def save(data: dict[str, Any]) -> Any:
        return services.opportunity_lose(actor=request.user, opportunity=opportunity, reason=data["reason"],
                                         note=data.get("note", ""))

    if submit_form(request, form, save):
        messages.success(request, _("Opportunity closed as lost."))
        return redirect(opportunity.get_absolute_url())
    return render_form(request, form, {"title": _("Lose “%(name)s”") % {"name": opportunity.name},
                                       "cancel_url": opportunity.get_absolute_url(), "submit_label": _("Close as lost")})


def _post_action(request: HttpRequest, opportunity: Opportunity, call: Any, success: Any) -> HttpResponse:
    """Runs a one-click action; a refusal becomes a message on the opportunity page."""
    try:
        call()
    except DomainError as error:
        messages.error(request, str(error.message) if not error.fields else
                       " ".join(str(m) for ms in error.fields.values() for m in ms))
    else:
        messages.success(request, success)
    return redirect(opportunity.get_absolute_url())


@login_required
@require_POST
def opportunity_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(actor=request.user, id=pk)
    return _post_action(request, opportunity,
                        lambda: services.opportunity_reopen(actor=request.user, opportunity=opportunity),
                        _("Opportunity reopened."))


@login_required
@require_POST
def opportunity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(actor=request.user, id=pk)
    services.opportunity_delete(actor=request.user, opportunity=opportunity)
    messages.success(request, _("Opportunity moved to the recycle bin."))
    return redirect("sales:board")


# --- sections of the opportunity page ------------------------------------------------------------------------

def _section(request: HttpRequest, opportunity: Opportunity, form_key: str, form: Any, call: Any,
             success: Any) -> HttpResponse:
    """Calls the service of an inline form; a refusal re-renders the page with the form's errors (400)."""
    if form is not None and not form.is_valid():
        return _detail(request, opportunity, status=400, **{form_key: form})
    try:
        call()
    except DomainError as error:
        if form is None:
            messages.error(request, str(error.message))
            return redirect(opportunity.get_absolute_url())
        apply_domain_error(form, error)
        if error.fields and not form.errors:
            form.add_error(None, " ".join(str(m) for ms in error.fields.values() for m in ms))
        return _detail(request, opportunity, status=400, **{form_key: form})
    messages.success(request, success)
    return redirect(opportunity.get_absolute_url())


def _line_dicts(opportunity: Opportunity, skip: int | None = None) -> list[dict[str, Any]]:
    return [{"product": line.product, "quantity": line.quantity, "unit_price": line.unit_price,
             "discount_percent": line.discount_percent} for line in opportunity.lines.all() if line.pk != skip]


@login_required
@require_POST
def opportunity_lines(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    if "remove" in request.POST:
        remove = int(request.POST["remove"]) if request.POST["remove"].isdigit() else 0
        lines = _line_dicts(opportunity, skip=remove)
        return _section(request, opportunity, "line_form", None,
                        lambda: services.opportunity_lines_set(actor=request.user, opportunity=opportunity, lines=lines),
                        _("Product line removed."))
    form = LineForm(request.POST, prefix="line")

    def call() -> Any:
        new = {k: v for k, v in form.cleaned_data.items() if v is not None}
        return services.opportunity_lines_set(actor=request.user, opportunity=opportunity,
                                              lines=[*_line_dicts(opportunity), new])

    return _section(request, opportunity, "line_form", form, call, _("Product line added."))


@login_required
@require_POST
def opportunity_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    current = [{"contact": link.contact_id, "role": link.role} for link in opportunity.contact_links.all()]
    if "remove" in request.POST:
        keep = [c for c in current if str(c["contact"]) != request.POST["remove"]]
        return _section(request, opportunity, "contact_form", None,
                        lambda: services.opportunity_contacts_set(actor=request.user, opportunity=opportunity,
                                                                  contacts=keep),
                        _("Contact removed from the opportunity."))
    form = ContactLinkForm(request.POST, opportunity=opportunity, prefix="contact")

    def call() -> Any:
        chosen = form.cleaned_data["contact"]
        contacts = [c for c in current if c["contact"] != chosen.pk]
        contacts.append({"contact": chosen.pk, "role": form.cleaned_data["role"]})
        return services.opportunity_contacts_set(actor=request.user, opportunity=opportunity, contacts=contacts)

    return _section(request, opportunity, "contact_form", form, call, _("Contact added to the opportunity."))


@login_required
@require_POST
def opportunity_shares(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    require_perm(request.user, "opportunities.share")
    if "remove" in request.POST:
        user_id = request.POST["remove"]
        return _section(request, opportunity, "share_form", None,
                        lambda: services.opportunity_share_remove(actor=request.user, opportunity=opportunity,
                                                                  user=int(user_id) if user_id.isdigit() else 0),
                        _("Collaborator removed."))
    form = ShareForm(request.POST, prefix="share")
    return _section(request, opportunity, "share_form", form,
                    lambda: services.opportunity_share_set(actor=request.user, opportunity=opportunity,
                                                           user=form.cleaned_data["user"],
                                                           can_edit=form.cleaned_data["can_edit"]),
                    _("Collaborator added."))


@login_required
@require_POST
def opportunity_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    item, done = request.POST.get("item", "")[:200], request.POST.get("done") == "1"
    try:
        opportunity = services.opportunity_checklist_mark(actor=request.user, opportunity=opportunity, item=item,
                                                          done=done)
    except DomainError as error:
        if _htmx(request):
            return HttpResponse(str(error.message), status=error.status)
        messages.error(request, str(error.message))
        return redirect(opportunity.get_absolute_url())
    if _htmx(request):
        return render(request, "sales/_checklist.html", {"opportunity": opportunity, "checklist": _checklist(opportunity),
                                                         "can_edit": True})
    return redirect(opportunity.get_absolute_url())


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get_for_edit(actor=request.user, id=pk)
    form = AttachmentForm(request.POST, request.FILES, opportunity=opportunity, prefix="file")
    return _section(request, opportunity, "attachment_form", form,
                    lambda: services.opportunity_attachment_add(actor=request.user, opportunity=opportunity,
                                                                file=form.cleaned_data["file"],
                                                                stage=form.cleaned_data["stage"],
                                                                note=form.cleaned_data["note"]),
                    _("File attached."))


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    return attachment_response(selectors.attachment_get(actor=request.user, opportunity_id=pk, id=attachment_pk))


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = selectors.attachment_get(actor=request.user, opportunity_id=pk, id=attachment_pk)
    return _post_action(request, attachment.opportunity,
                        lambda: services.opportunity_attachment_delete(actor=request.user, attachment=attachment),
                        _("File removed."))


# --- pipeline editor (config.manage) ----------------------------------------------------------------------------

@login_required
def pipeline_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    return render(request, "sales/pipelines.html", {"title": _("Pipelines"),
                                                    "pipelines": selectors.pipelines_visible_to(request.user)})


@login_required
def pipeline_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    form = PipelineCreateForm(request.POST or None)
    pipeline = submit_form(request, form, lambda data: services.pipeline_create(actor=request.user,
                                                                                **form.service_kwargs()))
    if pipeline:
        messages.success(request, _("Pipeline “%(name)s” created.") % {"name": pipeline.name})
        return redirect(pipeline.get_absolute_url())
    return render_form(request, form, {"title": _("New pipeline"), "cancel_url": reverse("sales:pipelines")})


def _pipeline_page(request: HttpRequest, pipeline: Any, *, form: Any = None, stage_form: Any = None,
                   status: int = 200) -> HttpResponse:
    return render(request, "sales/pipeline_edit.html", {
        "title": pipeline.name, "pipeline": pipeline, "form": form or PipelineForm(instance=pipeline),
        "stage_form": stage_form or StageForm(prefix="stage"),
        "stages": list(pipeline.stages.all()), "labels": REQUIRABLE_FIELDS}, status=status)


@login_required
def pipeline_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    pipeline = selectors.pipeline_get(actor=request.user, id=pk)
    if request.method != "POST":
        return _pipeline_page(request, pipeline)
    form = PipelineForm(request.POST, instance=pipeline)
    before = {name: getattr(pipeline, name) for name in PipelineForm.Meta.fields}
    if submit_form(request, form, lambda data: services.pipeline_update(
            actor=request.user, pipeline=pipeline,
            data={k: v for k, v in data.items() if before.get(k) != v})):
        messages.success(request, _("Pipeline saved."))
        return redirect(pipeline.get_absolute_url())
    pipeline.refresh_from_db()
    return _pipeline_page(request, pipeline, form=form, status=400)


@login_required
@require_POST
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    pipeline = selectors.pipeline_get(actor=request.user, id=pk)
    form = StageForm(request.POST, prefix="stage")
    if submit_form(request, form, lambda data: services.stage_add(actor=request.user, pipeline=pipeline,
                                                                  **form.service_data())):
        messages.success(request, _("Stage added."))
        return redirect(pipeline.get_absolute_url())
    return _pipeline_page(request, pipeline, stage_form=form, status=400)


@login_required
def stage_edit(request: HttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    pipeline = selectors.pipeline_get(actor=request.user, id=pk)
    stage = selectors.stage_get(pipeline=pipeline, id=stage_pk)
    form = StageForm(request.POST or None, stage=stage)
    if submit_form(request, form, lambda data: services.stage_update(actor=request.user, stage=stage,
                                                                     data=form.service_data())):
        messages.success(request, _("Stage saved."))
        return redirect(pipeline.get_absolute_url())
    return render_form(request, form, {"title": _("Stage “%(name)s”") % {"name": stage.name},
                                       "subtitle": pipeline.name, "cancel_url": pipeline.get_absolute_url()})


@login_required
@require_POST
def stage_shift(request: HttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    pipeline = selectors.pipeline_get(actor=request.user, id=pk)
    stage = selectors.stage_get(pipeline=pipeline, id=stage_pk)
    ids = [s.pk for s in pipeline.stages.all() if s.kind == Stage.Kind.OPEN]
    if stage.pk in ids:
        index = ids.index(stage.pk)
        other = index - 1 if request.POST.get("direction") == "up" else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
            services.stage_reorder(actor=request.user, pipeline=pipeline, stage_ids=ids)
    return redirect(pipeline.get_absolute_url())


@login_required
def stage_retire(request: HttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    pipeline = selectors.pipeline_get(actor=request.user, id=pk)
    stage = selectors.stage_get(pipeline=pipeline, id=stage_pk)
    if request.method == "POST" and request.POST.get("reactivate"):
        services.stage_update(actor=request.user, stage=stage, data={"is_active": True})
        messages.success(request, _("Stage back in use."))
        return redirect(pipeline.get_absolute_url())
    form = StageRetireForm(request.POST if request.method == "POST" else None, stage=stage)
    if submit_form(request, form, lambda data: services.stage_retire(actor=request.user, stage=stage,
                                                                     move_to=data.get("move_to"))):
        messages.success(request, _("Stage “%(name)s” retired.") % {"name": stage.name})
        return redirect(pipeline.get_absolute_url())
    return render_form(request, form, {"title": _("Retire stage “%(name)s”") % {"name": stage.name},
                                       "subtitle": _("History keeps the stage's name; it leaves the board."),
                                       "cancel_url": pipeline.get_absolute_url(), "submit_label": _("Retire")})


@login_required
def lost_reason_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    form = LostReasonForm(request.POST or None)
    if submit_form(request, form, lambda data: services.lost_reason_create(actor=request.user, **data)):
        messages.success(request, _("Lost reason added."))
        return redirect("sales:lost_reasons")
    status = 400 if request.method == "POST" else 200
    return render(request, "sales/lost_reasons.html", {"title": _("Lost reasons"), "form": form,
                                                       "reasons": selectors.lost_reasons(active_only=False)},
                  status=status)


@login_required
def lost_reason_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, "config.manage")
    reason = selectors.lost_reason_get(id=pk)
    form = LostReasonForm(request.POST or None, instance=reason)
    if submit_form(request, form, lambda data: services.lost_reason_update(actor=request.user, reason=reason,
                                                                           data=data)):
        messages.success(request, _("Lost reason saved."))
        return redirect("sales:lost_reasons")
    return render_form(request, form, {"title": reason.name, "cancel_url": reverse("sales:lost_reasons")})
