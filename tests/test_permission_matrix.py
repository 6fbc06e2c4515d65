"""The permission matrix: every route of the project × every persona, over one small world.

Alice (rep, East Team 1) and Carol (rep, Sales North) each own a lead, a customer with a contact, a
follow-up on each with files, a task, an overdue opportunity with a file, a reminder, a notification, an
API token, a lead in the recycle bin, a public pool of their department with a customer they released
into it (tests/matrix/world.py). tests/matrix/routes.py maps every URL pattern to what it addresses; a
route missing from it fails here, so every new route gets its matrix entry.

For admin, director, manager (mike, Sales East), alice and bob (two reps of East Team 1), carol (a rep
of Sales North) and finance, it proves:
- object routes: a record outside the persona's scope answers 404 to every method (API: code not_found)
  and its name never shows; a record in scope answers GET (200 for reads), and writes never give a 500;
- lists, search, reports and pages: another scope's records never show; complete lists show the
  persona's whole scope;
- a record out of scope cannot be named by id in a create, an action, a prefilled form or a filter;
- no input gives a 500: bad ids in every URL, malformed or odd JSON, wrong types, 10k strings, huge
  numbers, garbage query parameters.

Bugs of other apps are in KNOWN_BUGS: xfail(strict=True), so a fix turns them into failures until the
entry is removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.matrix import routes as table
from tests.matrix.client import Answer, Clients, call
from tests.matrix.schema import DEEPLY_NESTED, LONG, fuzz_bodies, query_params
from tests.matrix.world import (
    AUDIT_VIEWERS,
    PERSONAS,
    RECYCLERS,
    SEES_OWNED,
    SEES_PERSONAL,
    SEES_POOL,
    SEES_POOL_CUSTOMER,
    World,
    build_world,
    upload,
)

PATTERNS = {p.name: p for p in table.all_patterns()}
METHOD_ORDER = ["get", "patch", "put", "post", "delete"]
FUZZ_PERSONAS = ["admin", "alice"]

# --- known bugs of other apps: (test, route or case, persona or "*") -> the failing request and the fix ---

KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def _params(test: str, cases: list[tuple[str, str]]) -> list[Any]:
    params = []
    for route, persona in cases:
        reason = KNOWN_BUGS.get((test, route, persona)) or KNOWN_BUGS.get((test, route, "*"))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(route, persona, marks=marks, id=f"{route}-{persona}"))
    return params


# --- the world, built once for the module and rolled back at its end ----------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    from django.utils import translation

    with django_db_blocker.unblock(), translation.override("en"), transaction.atomic():
        built = build_world()
        built.clients = Clients(built.p.all())
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def w(world: World, db: Any) -> World:
    """The world inside this test's own transaction (what a test changes is rolled back after it)."""
    world.clients.reset()
    return world


def clients_for(world: World, persona: str) -> tuple[Any, Any]:
    """(page client, API client) signed in as the persona."""
    return world.clients[persona]


# --- who sees what ------------------------------------------------------------------------------------

def relation(persona: str, kind: str, owner: str | None) -> str:
    """'visible', 'invisible' (out of scope: must look missing) or 'forbidden' (the persona's role lacks
    the permission for every record of the kind: must answer as for a missing record)."""
    owner = owner or ""
    if kind in table.CONFIG:
        return "visible"
    for kinds, sees in ((table.OWNED, SEES_OWNED), (table.PERSONAL, SEES_PERSONAL), (table.POOLS, SEES_POOL),
                        (table.POOL_CUSTOMERS, SEES_POOL_CUSTOMER)):
        if kind in kinds:
            return "visible" if persona in sees[owner] else "invisible"
    if kind in table.AUDIT:
        return "visible" if persona in AUDIT_VIEWERS else "forbidden"
    if kind in table.RECYCLED:
        return "visible" if persona in RECYCLERS else "forbidden"
    raise AssertionError(f"unknown kind {kind}")


@dataclass
class Target:
    owner: str | None
    obj: Any
    marker: str          # text that names the record on a page ("" when it has none)


def targets(world: World, kind: str) -> list[Target]:
    if kind in world.config:
        return [Target("alice" if kind == "event" else None, world.config[kind], "")]
    return [Target(owner, rec[kind], rec.names.get(kind, "")) for owner, rec in world.recs.items()]


def methods_of(pattern: table.Pattern) -> list[str]:
    return [m for m in METHOD_ORDER if m in pattern.methods]


def _api_error_problem(answer: Answer) -> str:
    """API answers of 400 and above carry API.md's error object."""
    body = answer.json()
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict) or "code" not in body["error"]:
        return f"not API.md's error format: {answer.describe()}"
    return ""


# --- 1. every route is in the table -------------------------------------------------------------------

def test_every_route_has_a_matrix_entry() -> None:
    covered = set(table.OBJECT_ROUTES) | set(table.COLLECTION_ROUTES) | set(table.EXCLUDED)
    missing = sorted(name for name in PATTERNS if name not in covered)
    assert not missing, ("routes without a permission-matrix entry (add them to tests/matrix/routes.py: "
                         f"OBJECT_ROUTES, COLLECTION_ROUTES or EXCLUDED with a reason): {missing}")
    for name, route in table.OBJECT_ROUTES.items():
        if name not in PATTERNS:
            continue   # an entry may come before its route (apps land one by one)
        kwargs = set(PATTERNS[name].kwargs)
        assert kwargs, f"{name} has no URL kwargs; it belongs in COLLECTION_ROUTES"
        assert set(table.missing_args(route)) == kwargs, f"{name}: the table's kwargs do not match {kwargs}"
    for name in (n for n in table.COLLECTION_ROUTES if n in PATTERNS):
        assert not PATTERNS[name].kwargs, f"{name} takes {PATTERNS[name].kwargs}; it belongs in OBJECT_ROUTES"


# --- 2. object routes × personas ----------------------------------------------------------------------

# Carol's records prove what stays hidden (from alice, bob and mike, the manager of another department);
# what is visible is proven on alice's, through the same code paths (owner, department tree, scope "all").
SYMMETRIC = "carol"
# A write with an empty body on a record in scope only has to give no 500: the admin (every permission),
# finance (read-only: the 403 paths) and alice (the owner rep) cover the code paths; the others only read.
VISIBLE_WRITERS = {"admin", "finance", "alice"}

OBJECT_CASES = [(name, persona) for name in sorted(table.OBJECT_ROUTES) if name in PATTERNS
                for persona in PERSONAS]


def _judge_object(*, persona: str, pattern: table.Pattern, route: table.ObjectRoute, kind: str,
                  target: Target, rel: str, method: str, url: str, answer: Answer,
                  missing: Callable[[], Answer]) -> str:
    who = f"{method.upper()} {url} as {persona} ({target.owner or 'company'}'s {kind}, {rel})"
    if answer.status >= 500:
        return f"{who}: {answer.describe()}"
    if pattern.api and answer.status >= 400 and (problem := _api_error_problem(answer)):
        return f"{who}: {problem}"
    if rel != "visible" and target.marker and target.marker in answer.text():
        return f"{who}: the record's name {target.marker!r} shows in the answer ({answer.status})"
    if rel == "invisible":
        if answer.status == 404:
            if pattern.api and (answer.json() or {}).get("error", {}).get("code") != "not_found":
                return f"{who}: 404 without code not_found: {answer.describe()}"
            return ""
        ghost = missing()
        if answer.status == 405 and ghost.status == 405:
            return ""        # the route does not serve the method at all: no record is revealed
        return f"{who}: out of scope must answer 404, got {answer.describe()} (a missing id: {ghost.status})"
    if rel == "forbidden":
        ghost = missing()
        if answer.status in (403, 404, 405) and answer.status == ghost.status:
            return ""
        return (f"{who}: without the permission it must answer as for a missing id ({ghost.status}), "
                f"got {answer.describe()}")
    if method == "get" and route.read and answer.status != 200:
        return f"{who}: a read of a record in scope must answer 200, got {answer.describe()}"
    if method == "get" and answer.status == 404:
        return f"{who}: a record in scope answers 404: {answer.describe()}"
    return ""


@pytest.mark.parametrize(("route_name", "persona"), _params("object", OBJECT_CASES))
def test_object_route(w: World, route_name: str, persona: str) -> None:
    pattern, route = PATTERNS[route_name], table.OBJECT_ROUTES[route_name]
    web, api = clients_for(w, persona)
    client = api if pattern.api else web
    headers = {"HTTP_HX_REQUEST": "true"} if route.htmx else None
    ghost_url = reverse(route_name, kwargs=table.missing_args(route))
    problems = []
    for kind in route.kinds:
        for target in targets(w, kind):
            rel = relation(persona, kind, target.owner)
            if rel == "visible" and target.owner == SYMMETRIC:
                continue
            url = reverse(route_name, kwargs=route.args(target.obj, w))
            query = route.query(target.obj, w) if route.query else None
            for method in methods_of(pattern):
                if rel == "visible" and method != "get" and persona not in VISIBLE_WRITERS:
                    continue
                answer = call(client, method, url, query=query, headers=headers)
                problem = _judge_object(
                    persona=persona, pattern=pattern, route=route, kind=kind, target=target, rel=rel,
                    method=method, url=url, answer=answer,
                    missing=lambda m=method: call(client, m, ghost_url, query=query, headers=headers))
                if problem:
                    problems.append(problem)
    assert not problems, "\n".join(problems)


# --- 3. lists, search, reports, pages × personas ------------------------------------------------------

COLLECTION_CASES = [(name, persona) for name in sorted(table.COLLECTION_ROUTES) if name in PATTERNS
                    for persona in PERSONAS]
# Markers that a page can show for another reason than the record itself being listed (a reminder's
# text is made from its customer's name): checked through the API only.
WEB_UNCHECKED_KINDS = {"reminder"}


def _api_ids(client: Any, first: Answer, id_field: str) -> list[tuple[Any, Any]]:
    """(kind, id) of every item over all pages of an API list (kind is None where items have none)."""
    found: list[tuple[Any, Any]] = []
    body = first.json()
    for _page in range(20):
        items = body if isinstance(body, list) else body.get("results", []) if isinstance(body, dict) else []
        for item in (i for i in items if isinstance(i, dict)):
            value = item.get(id_field)
            found += [(item.get("kind"), pk) for pk in (value if isinstance(value, list) else [value])]
        if not isinstance(body, dict) or not body.get("next"):
            break
        body = call(client, "get", body["next"]).json()
    return found


def _shows(pattern: table.Pattern, route: table.CollectionRoute, client: Any, answer: Answer, kind: str,
           target: Target, cache: dict[str, Any]) -> bool:
    if not pattern.api:
        return bool(target.marker) and target.marker in answer.text()
    if "ids" not in cache:
        cache["ids"] = _api_ids(client, answer, route.id_field)
    wanted_kind = "lead" if kind == "deleted_lead" else None
    return any(pk == target.obj.pk and (wanted_kind is None or item_kind in (None, wanted_kind))
               for item_kind, pk in cache["ids"])


@pytest.mark.parametrize(("route_name", "persona"), _params("collection", COLLECTION_CASES))
def test_collection_route(w: World, route_name: str, persona: str) -> None:
    pattern, route = PATTERNS[route_name], table.COLLECTION_ROUTES[route_name]
    web, api = clients_for(w, persona)
    client = api if pattern.api else web
    url = reverse(route_name)
    problems = []
    answers: dict[str, tuple[Answer, dict[str, Any]]] = {}   # one request per distinct query
    owners = list(w.recs.items()) if route.shows else list(w.recs.items())[:1]
    for owner, rec in owners if "get" in pattern.methods else []:
        query = dict(route.query(rec)) | ({"page_size": 200} if pattern.api else {})
        who = f"GET {url}?{query} as {persona}"
        if repr(query) not in answers:
            answer = call(client, "get", url, query=query)
            answers[repr(query)] = (answer, {})
            if answer.status >= 500:
                problems.append(f"{who}: {answer.describe()}")
            elif pattern.api and answer.status >= 400 and (problem := _api_error_problem(answer)):
                problems.append(f"{who}: {problem}")
        answer, cache = answers[repr(query)]
        if answer.status != 200:
            continue
        for kind in route.shows:
            if not pattern.api and kind in WEB_UNCHECKED_KINDS:
                continue
            for target in (t for t in targets(w, kind) if t.owner == owner):
                rel = relation(persona, kind, owner)
                seen = _shows(pattern, route, client, answer, kind, target, cache)
                name = target.marker or target.obj.pk
                if seen and rel != "visible":
                    problems.append(f"{who}: shows {owner}'s {kind} ({name}), out of {persona}'s scope")
                if not seen and rel == "visible" and route.complete:
                    problems.append(f"{who}: lacks {owner}'s {kind} ({name}), in {persona}'s scope")
    for method in methods_of(pattern):
        if method == "get" or persona not in VISIBLE_WRITERS:
            continue
        answer = call(client, method, url)
        if answer.status >= 500:
            problems.append(f"{method.upper()} {url} (empty body) as {persona}: {answer.describe()}")
        elif pattern.api and answer.status >= 400 and (problem := _api_error_problem(answer)):
            problems.append(f"{method.upper()} {url} as {persona}: {problem}")
    assert not problems, "\n".join(problems)


# --- 4. records out of scope named by id ---------------------------------------------------------------

def _count(model_path: str, **filters: Callable[[Any], Any]) -> Callable[[Any], int]:
    """State of the referenced records: how many rows of the model match (filters built from them)."""
    def state(rec: Any) -> int:
        from django.apps import apps

        return apps.get_model(model_path).objects.filter(**{k: f(rec) for k, f in filters.items()}).count()
    return state


@dataclass
class Ref:
    """`actor` names `owner`'s `kind` (out of the actor's scope) by id: the request must not succeed,
    must not change `state` and must not show the record's name. The control repeats it by
    `control[0]` naming `control[1]`'s record (in scope), which must change `state`: that proves the
    payload right and the refusal the scope's doing."""

    id: str
    url: Callable[[Any], str]                     # (the actor's own records) -> url
    data: Callable[[World, Any, Any], Any]        # (world, referenced records, actor's records) -> body
    state: Callable[[Any], int]                   # (referenced records) -> a number to compare
    kind: str = "customer"
    actor: str = "bob"
    owner: str = "alice"
    control: tuple[str, str] = ("alice", "alice")
    method: str = "post"
    api: bool = True
    multipart: bool = False


def _at(path: str) -> Callable[[Any], str]:
    return lambda own: path


def _now() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def _unowned(rec: Any) -> int:
    from openfunnel.customers.models import Customer

    return Customer.objects.filter(pk=rec["pool_customer"].pk, owner__isnull=True).count()


REFS: list[Ref] = [
    # API creates and actions naming another scope's record
    Ref("api-contact-on-customer", _at("/api/v1/contacts/"),
        lambda w, r, own: {"customer": r["customer"].pk, "name": "Ref Contact"},
        _count("customers.Contact", customer=lambda r: r["customer"].pk)),
    Ref("api-activity-on-customer", _at("/api/v1/activities/"),
        lambda w, r, own: {"kind": "call", "content": "ref call", "customer": r["customer"].pk},
        _count("activities.Activity", customer=lambda r: r["customer"].pk)),
    Ref("api-activity-on-lead", _at("/api/v1/activities/"),
        lambda w, r, own: {"kind": "call", "content": "ref call", "lead": r["lead"].pk},
        _count("activities.Activity", lead=lambda r: r["lead"].pk), kind="lead"),
    Ref("api-activity-on-contact", _at("/api/v1/activities/"),
        lambda w, r, own: {"kind": "call", "content": "ref call", "contact": r["contact"].pk},
        _count("activities.Activity", contact=lambda r: r["contact"].pk), kind="contact"),
    Ref("api-attachment-on-customer", _at("/api/v1/attachments/"),
        lambda w, r, own: {"file": upload("ref.txt"), "customer": r["customer"].pk},
        _count("activities.Attachment", customer=lambda r: r["customer"].pk), multipart=True),
    Ref("api-attachment-on-lead", _at("/api/v1/attachments/"),
        lambda w, r, own: {"file": upload("ref.txt"), "lead": r["lead"].pk},
        _count("activities.Attachment", lead=lambda r: r["lead"].pk), kind="lead", multipart=True),
    Ref("api-attachment-on-activity", _at("/api/v1/attachments/"),
        lambda w, r, own: {"file": upload("ref.txt"), "activity": r["activity"].pk},
        _count("activities.Attachment", activity=lambda r: r["activity"].pk), kind="activity",
        multipart=True),
    Ref("api-task-on-customer", _at("/api/v1/tasks/"),
        lambda w, r, own: {"title": "ref task", "customer": r["customer"].pk},
        _count("activities.Task", customer=lambda r: r["customer"].pk)),
    Ref("api-task-on-lead", _at("/api/v1/tasks/"),
        lambda w, r, own: {"title": "ref task", "lead": r["lead"].pk},
        _count("activities.Task", lead=lambda r: r["lead"].pk), kind="lead"),
    Ref("api-task-on-contact", _at("/api/v1/tasks/"),
        lambda w, r, own: {"title": "ref task", "contact": r["contact"].pk},
        _count("activities.Task", contact=lambda r: r["contact"].pk), kind="contact"),
    Ref("api-task-for-user-out-of-scope", _at("/api/v1/tasks/"),
        lambda w, r, own: {"title": "ref task", "assignee": r.owner.pk},
        _count("activities.Task", assignee=lambda r: r.owner.pk), kind="user", actor="alice", owner="carol",
        control=("manager", "alice")),
    Ref("api-opportunity-on-customer", _at("/api/v1/opportunities/"),
        lambda w, r, own: {"name": "ref deal", "customer": r["customer"].pk},
        _count("sales.Opportunity", customer=lambda r: r["customer"].pk)),
    Ref("api-opportunity-from-lead", _at("/api/v1/opportunities/"),
        lambda w, r, own: {"name": "ref deal", "customer": own["customer"].pk, "lead": r["lead"].pk},
        _count("sales.Opportunity", lead=lambda r: r["lead"].pk), kind="lead", actor="alice", owner="carol",
        control=("carol", "carol")),
    Ref("api-opportunity-contact", lambda own: f"/api/v1/opportunities/{own['opportunity'].pk}/",
        lambda w, r, own: {"contacts": [{"contact": r["contact"].pk}]},
        _count("sales.OpportunityContact", contact=lambda r: r["contact"].pk), kind="contact", method="patch",
        actor="alice", owner="carol", control=("carol", "carol")),
    Ref("api-convert-into-customer", lambda own: f"/api/v1/leads/{own['lead'].pk}/convert/",
        lambda w, r, own: {"customer": r["customer"].pk},
        _count("customers.Contact", customer=lambda r: r["customer"].pk), actor="alice", owner="carol",
        control=("carol", "carol")),
    Ref("api-batch-assign-lead", _at("/api/v1/leads/batch-assign/"),
        lambda w, r, own: {"leads": [r["lead"].pk], "owner": w.p.bob.pk},
        _count("leads.Lead", owner=lambda r: r.owner.pk), kind="lead", actor="manager", owner="carol",
        control=("manager", "alice")),
    Ref("api-claim-from-another-pool", lambda own: f"/api/v1/pools/{own['pool'].pk}/claim/",
        lambda w, r, own: {"customer": r["pool_customer"].pk}, _unowned, kind="pool_customer",
        actor="carol", control=("carol", "carol")),
    Ref("api-assign-from-another-pool", lambda own: f"/api/v1/pools/{own['pool'].pk}/assign/",
        lambda w, r, own: {"customers": [r["pool_customer"].pk], "owner": w.p.bob.pk}, _unowned,
        kind="pool_customer", actor="manager", owner="carol", control=("manager", "alice")),
    # pages: forms that save a record linked to one named by id
    Ref("web-claim-from-another-pool", lambda own: f"/pool/{own['pool'].pk}/claim/",
        lambda w, r, own: {"customer": r["pool_customer"].pk}, _unowned, kind="pool_customer",
        actor="carol", control=("carol", "carol"), api=False),
    Ref("web-follow-up-on-customer", _at("/activities/new/"),
        lambda w, r, own: {"kind": "call", "content": "ref call", "customer": r["customer"].pk,
                           "occurred_at": _now()},
        _count("activities.Activity", customer=lambda r: r["customer"].pk), api=False),
    Ref("web-follow-up-on-lead", _at("/activities/new/"),
        lambda w, r, own: {"kind": "call", "content": "ref call", "lead": r["lead"].pk,
                           "occurred_at": _now()},
        _count("activities.Activity", lead=lambda r: r["lead"].pk), kind="lead", api=False),
    Ref("web-task-on-customer", _at("/tasks/new/"),
        lambda w, r, own: {"title": "ref task", "customer": r["customer"].pk, "priority": "normal"},
        _count("activities.Task", customer=lambda r: r["customer"].pk), api=False),
    Ref("web-attachment-on-customer", _at("/attachments/new/"),
        lambda w, r, own: {"file": upload("ref.txt"), "customer": r["customer"].pk},
        _count("activities.Attachment", customer=lambda r: r["customer"].pk), api=False),
    Ref("web-attachment-on-lead", _at("/attachments/new/"),
        lambda w, r, own: {"file": upload("ref.txt"), "lead": r["lead"].pk},
        _count("activities.Attachment", lead=lambda r: r["lead"].pk), kind="lead", api=False),
    Ref("web-opportunity-on-customer", _at("/opportunities/new/"),
        lambda w, r, own: {"name": "ref deal", "customer": r["customer"].pk, "forecast_category": "pipeline"},
        _count("sales.Opportunity", customer=lambda r: r["customer"].pk), api=False),
]

# Prefilled create pages: GET <path>?<param>=<id of another scope's record> must not show its name.
PREFILLS = [
    ("/activities/new/", "customer", "customer"), ("/activities/new/", "lead", "lead"),
    ("/tasks/new/", "customer", "customer"), ("/tasks/new/", "lead", "lead"),
    ("/attachments/new/", "customer", "customer"), ("/attachments/new/", "lead", "lead"),
    ("/opportunities/new/", "customer", "customer"),
]
# API lists filtered by a record: nothing comes back for one out of scope, its own records for one in scope.
FILTERS = [
    ("/api/v1/contacts/", "customer", "customer", "contact"),
    ("/api/v1/activities/", "customer", "customer", "activity"),
    ("/api/v1/activities/", "lead", "lead", "lead_activity"),
    ("/api/v1/attachments/", "customer", "customer", "attachment"),
    ("/api/v1/attachments/", "lead", "lead", "lead_attachment"),
    ("/api/v1/attachments/", "activity", "activity", "attachment"),
    ("/api/v1/tasks/", "customer", "customer", "task"),
    ("/api/v1/opportunities/", "customer", "customer", "opportunity"),
]


def _send(world: World, ref: Ref, actor: str, owner: str) -> tuple[str, Answer, int, int]:
    rec, own = world.recs[owner], world.recs.get(actor) or world.recs["alice"]
    web, api = clients_for(world, actor)
    url = ref.url(own)
    before = ref.state(rec)
    data = ref.data(world, rec, own)
    if not ref.api:
        answer = call(web, ref.method, url, data=data)
    elif ref.multipart:
        try:
            response = api.post(url, data, format="multipart")
            answer = Answer(response.status_code, response.content)
        except Exception as error:  # reported as the 500 it would be
            answer = Answer(500, b"", error=f"{type(error).__name__}: {error}")
    else:
        answer = call(api, ref.method, url, data=data)
    who = f"{ref.method.upper()} {url} as {actor} naming {owner}'s {ref.kind}"
    return who, answer, before, ref.state(rec)


@pytest.mark.parametrize("ref", [pytest.param(r, id=r.id) for r in REFS])
def test_out_of_scope_record_cannot_be_referenced(w: World, ref: Ref) -> None:
    who, answer, before, after = _send(w, ref, ref.actor, ref.owner)
    problems = []
    if answer.status >= 500:
        problems.append(f"{who}: {answer.describe()}")
    if before != after:
        problems.append(f"{who}: it was accepted ({answer.describe()}); state {before} -> {after}")
    elif ref.api and answer.status < 400:
        problems.append(f"{who}: {answer.describe()}")
    marker = w.recs[ref.owner].names.get(ref.kind, "")
    if marker and marker in answer.text():
        problems.append(f"{who}: the answer shows {marker!r}")
    assert not problems, "\n".join(problems)
    who, answer, before, after = _send(w, ref, *ref.control)
    assert before != after, f"control: {who} changed nothing ({answer.describe()}): fix the test's payload"


@pytest.mark.parametrize(("path", "param", "kind"), PREFILLS)
@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_prefilled_form_hides_out_of_scope_record(w: World, path: str, param: str, kind: str,
                                                  persona: str) -> None:
    web, _api = clients_for(w, persona)
    for owner, rec in w.recs.items():
        answer = call(web, "get", path, query={param: rec[kind].pk})
        who = f"GET {path}?{param}={rec[kind].pk} as {persona}"
        assert answer.status < 500, f"{who}: {answer.describe()}"
        if relation(persona, kind, owner) != "visible":
            assert rec.names[kind] not in answer.text(), f"{who} shows {owner}'s {kind} {rec.names[kind]!r}"


@pytest.mark.parametrize(("path", "param", "kind", "listed"), FILTERS)
@pytest.mark.parametrize("persona", ["bob", "carol", "manager"])
def test_filter_by_out_of_scope_record_finds_nothing(w: World, path: str, param: str, kind: str, listed: str,
                                                     persona: str) -> None:
    _web, api = clients_for(w, persona)
    for owner, rec in w.recs.items():
        answer = call(api, "get", path, query={param: rec[kind].pk, "page_size": 200})
        who = f"GET {path}?{param}={rec[kind].pk} as {persona}"
        assert answer.status < 500, f"{who}: {answer.describe()}"
        results = (answer.json() or {}).get("results", []) if answer.status == 200 else []
        ids = [item["id"] for item in results]
        if relation(persona, kind, owner) != "visible":
            assert answer.status in (200, 400, 404), f"{who}: {answer.describe()}"
            assert not ids, f"{who}: lists {ids} for {owner}'s {kind}, which is out of scope"
        else:
            assert rec[listed].pk in ids, f"{who}: {answer.describe()}"


# --- 5. fuzz: no input gives a 500 --------------------------------------------------------------------

# The API gets every bad id from an admin and a rep. Pages take ids through Django's <int:...> converter
# ("abc" and "-1" never reach a view): they get the ids that do, from the admin, who reaches every page.
API_BAD_IDS = ["abc", "0", "-1", "99999999999999999999"]
WEB_BAD_IDS = ["0", "99999999999999999999"]
FUZZ_ID_CASES = [(name, persona) for name in sorted(table.OBJECT_ROUTES) if name in PATTERNS
                 for persona in (FUZZ_PERSONAS if PATTERNS[name].api else ["admin"])]


def _bad_urls(name: str, route: table.ObjectRoute, world: World) -> Iterator[tuple[str, str]]:
    """(label, url) with one kwarg at a time replaced by each bad id (the others name a real record)."""
    base = route.args(targets(world, route.kinds[0])[0].obj, world)
    for key in base:
        bad_ids = API_BAD_IDS if PATTERNS[name].api else WEB_BAD_IDS
        bad_ids = bad_ids + (["nonsense"] if key == "kind" else [])
        for bad in bad_ids:
            placeholder = "zz0sentinel0zz" if key == "kind" else 424242424
            url = reverse(name, kwargs=base | {key: placeholder})
            yield f"{key}={bad}", url.replace(f"/{placeholder}/", f"/{bad}/", 1)


@pytest.mark.parametrize(("route_name", "persona"), _params("fuzz-ids", FUZZ_ID_CASES))
def test_bad_ids_never_give_a_500(w: World, route_name: str, persona: str) -> None:
    pattern, route = PATTERNS[route_name], table.OBJECT_ROUTES[route_name]
    web, api = clients_for(w, persona)
    client = api if pattern.api else web
    problems = []
    for label, url in _bad_urls(route_name, route, w):
        for method in methods_of(pattern):
            answer = call(client, method, url)
            who = f"{method.upper()} {url} ({label}) as {persona}"
            if answer.status >= 500:
                problems.append(f"{who}: {answer.describe()}")
            elif 200 <= answer.status < 300:
                problems.append(f"{who}: a bad id was accepted: {answer.describe()}")
            elif pattern.api and answer.status >= 400 and (problem := _api_error_problem(answer)):
                problems.append(f"{who}: {problem}")
    assert not problems, "\n".join(problems)


FUZZ_BODY_CASES = [(f"{name}:{method}", persona) for name, pattern in sorted(PATTERNS.items())
                   if pattern.api and (name in table.OBJECT_ROUTES or name in table.COLLECTION_ROUTES)
                   for method in ("post", "patch", "put") if method in pattern.methods
                   for persona in FUZZ_PERSONAS]


def _url_of(name: str, world: World) -> str:
    if name in table.OBJECT_ROUTES:
        route = table.OBJECT_ROUTES[name]
        return reverse(name, kwargs=route.args(targets(world, route.kinds[0])[0].obj, world))
    return reverse(name)


@pytest.mark.parametrize(("case", "persona"), _params("fuzz-bodies", FUZZ_BODY_CASES))
def test_bad_bodies_never_give_a_500(w: World, case: str, persona: str) -> None:
    name, method = case.rsplit(":", 1)
    _web, api = clients_for(w, persona)
    url = _url_of(name, w)
    bodies = fuzz_bodies(PATTERNS[name].regex, method)
    if persona != "admin":   # the parsing and each field alone once, by the admin who reaches every service
        bodies = [b for b in bodies if b[0].startswith("every")]
    problems = []
    for label, body in bodies:
        if isinstance(body, (str, bytes)):
            answer = call(api, method, url, raw=body)
        else:
            answer = call(api, method, url, data=body)
        who = f"{method.upper()} {url} with {label} as {persona}"
        if answer.status >= 500:
            problems.append(f"{who}: {answer.describe()}")
        elif answer.status >= 400 and (problem := _api_error_problem(answer)):
            problems.append(f"{who}: {problem}")
    assert not problems, "\n".join(problems)


def test_deeply_nested_json_is_a_400(w: World) -> None:
    _web, api = clients_for(w, "alice")
    answer = call(api, "post", "/api/v1/leads/", raw=DEEPLY_NESTED)
    assert answer.status == 400, answer.describe()


QUERY_GARBAGE = ["abc", LONG, "99999999999999999999", "mixed"]
MIXED_GARBAGE = ["-1", "2026-13-45", "%' OR 1=1 --", "\x00", "0", "99999999999999999999", "[]", "{}"]
# Names pages commonly read besides their filter form's own fields.
WEB_QUERY_NAMES = ["page", "page_size", "sort", "ordering", "q", "search", "owner", "status", "customer",
                   "lead", "pipeline", "stage", "kind", "month", "fragment", "columns", "date", "view",
                   "timeline_page"]
FORM_FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([\w.-]+)"')
# The fields of a page's filter form that carry ids or numbers: selects, hidden and number inputs.
ID_FIELD = re.compile(r'<(?:select[^>]*|input[^>]*type="(?:hidden|number)"[^>]*)\bname="([\w.-]+)"'
                      r'|<input[^>]*\bname="([\w.-]+)"[^>]*type="(?:hidden|number)"')
# The admin reaches every list (a rep gets 403 on half of them); the rep's scope filters are exercised
# through the API lists, whose parameters come from the OpenAPI schema.
FUZZ_QUERY_CASES = [(name, persona) for name in sorted(table.COLLECTION_ROUTES)
                    if name in PATTERNS and "get" in PATTERNS[name].methods
                    for persona in (FUZZ_PERSONAS if PATTERNS[name].api else ["admin"])]


@pytest.mark.parametrize(("route_name", "persona"), _params("fuzz-query", FUZZ_QUERY_CASES))
def test_bad_query_parameters_never_give_a_500(w: World, route_name: str, persona: str) -> None:
    pattern = PATTERNS[route_name]
    web, api = clients_for(w, persona)
    client = api if pattern.api else web
    url = reverse(route_name)
    if pattern.api:
        own, numeric = set(query_params(pattern.regex)), set(query_params(pattern.regex, numeric=True))
    else:   # the page's own filter form names its parameters
        page = call(client, "get", url).text()
        own = set(FORM_FIELD.findall(page)) - {"csrfmiddlewaretoken"}
        numeric = {a or b for a, b in ID_FIELD.findall(page)} - {"csrfmiddlewaretoken"}
    common = {"page", "page_size", "ordering", "search"} | (set() if pattern.api else set(WEB_QUERY_NAMES))
    names = sorted(own | common)
    problems = []
    for garbage in QUERY_GARBAGE:
        if garbage == "mixed":
            query = {n: MIXED_GARBAGE[i % len(MIXED_GARBAGE)] for i, n in enumerate(names)}
        else:
            query = {n: garbage for n in names}
        answer = call(client, "get", url, query=query)
        if answer.status >= 500:
            problems.append(f"GET {url} with every parameter = {garbage[:20]!r} as {persona}: "
                            f"{answer.describe()}")
    if persona == "admin":   # an id or number alone: a huge one must not hide behind another field's 400
        for n in sorted(numeric | {"page", "page_size"}):
            answer = call(client, "get", url, query={n: "99999999999999999999"})
            if answer.status >= 500:
                problems.append(f"GET {url}?{n}=<huge> as {persona}: {answer.describe()}")
    assert not problems, "\n".join(problems)
