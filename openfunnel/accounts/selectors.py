"""Reads of the organization. Departments, roles and the user directory are company-wide reference
data: every signed-in user may read them (pickers, @mentions, assignment); only org.manage writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from openfunnel.accounts.models import ApiToken, Department, Handover, Role, User
from openfunnel.accounts.scope import require_perm
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound


def departments_visible_to(actor: Any) -> QuerySet[Department]:
    """Every department, with its user and sub-department counts."""
    return Department.objects.select_related("parent").annotate(
        user_count=Count("users", distinct=True), child_count=Count("children", distinct=True))


def department_get(*, actor: Any, id: Any) -> Department:
    """One department; NotFound when missing."""
    department = departments_visible_to(actor).filter(pk=parse_id(id)).first()
    if department is None:
        raise NotFound()
    return department


@dataclass(frozen=True)
class TreeRow:
    department: Department
    depth: int


def department_tree(*, actor: Any) -> list[TreeRow]:
    """All departments in tree order (parents before their children), with their depth; one query."""
    departments = list(departments_visible_to(actor).order_by("name", "id"))
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    rows: list[TreeRow] = []
    placed: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for department in children.get(parent_id, []):
            if department.pk in placed:
                continue
            placed.add(department.pk)
            rows.append(TreeRow(department, depth))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return rows


def roles_visible_to(actor: Any) -> QuerySet[Role]:
    """Every role, with how many users have it."""
    return Role.objects.annotate(user_count=Count("users"))


def role_get(*, actor: Any, id: Any) -> Role:
    """One role; NotFound when missing."""
    role = roles_visible_to(actor).filter(pk=parse_id(id)).first()
    if role is None:
        raise NotFound()
    return role


def users_visible_to(actor: Any) -> QuerySet[User]:
    """The company directory: every user, active or not, with department, role and manager loaded."""
    return User.objects.select_related("department", "role", "manager")


def user_get(*, actor: Any, id: Any) -> User:
    """One user; NotFound when missing."""
    user = users_visible_to(actor).filter(pk=parse_id(id)).first()
    if user is None:
        raise NotFound()
    return user


def apitokens_of(*, actor: Any) -> QuerySet[ApiToken]:
    """The actor's own API tokens (nobody lists another user's tokens)."""
    return ApiToken.objects.filter(user_id=actor.pk)


# --- departure handover ---------------------------------------------------------------------------------

# What a handover moves, in the order reports list it. Contracts join when the contracts app exists.
HANDOVER_KINDS = ("leads", "customers", "opportunities", "tasks", "reminders")


def handover_rows(*, user: Any) -> dict[str, QuerySet[Any]]:
    """What a handover of `user` moves, per kind: open leads (new, contacted, qualified), every customer they
    own, open opportunities, open tasks, reminders not yet done. Records in the recycle bin stay; converted or
    invalid leads and won or lost opportunities stay with who worked them, for history."""
    from openfunnel.activities.models import Reminder, Task
    from openfunnel.customers.models import Customer
    from openfunnel.leads.models import Lead
    from openfunnel.sales.models import Opportunity

    return {
        "leads": Lead.objects.filter(owner_id=user.pk, deleted_at__isnull=True).exclude(
            status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID]),
        "customers": Customer.objects.filter(owner_id=user.pk, deleted_at__isnull=True),
        "opportunities": Opportunity.objects.filter(owner_id=user.pk, status=Opportunity.Status.OPEN,
                                                    deleted_at__isnull=True),
        "tasks": Task.objects.filter(assignee_id=user.pk, status=Task.Status.OPEN),
        "reminders": Reminder.objects.filter(user_id=user.pk, done_at__isnull=True),
    }


def handover_counts(*, user: Any) -> dict[str, int]:
    """How many records of each kind a handover of `user` would move (one COUNT per kind)."""
    return {kind: rows.count() for kind, rows in handover_rows(user=user).items()}


def handover_preview(*, actor: Any, user: Any) -> dict[str, int]:
    """The counts per kind a handover of `user` would move. Needs org.manage; raises PermissionDenied."""
    require_perm(actor, "org.manage")
    return handover_counts(user=user)


def handover_lead_pool() -> Any:
    """The lead pool released leads are logged against (the default lead pool, else the oldest), or None.

    Every lead without an owner lies in the lead pool, whichever lead pool it is; with no lead pool at all, a
    lead without an owner would be seen by nobody but the managers, so a handover does not release leads then.
    """
    from openfunnel.pool.models import Pool

    return Pool.objects.filter(kind=Pool.Kind.LEAD).order_by("-is_default", "id").first()


def handovers_visible_to(actor: Any) -> QuerySet[Handover]:
    """Past handovers, newest first. Needs org.manage; raises PermissionDenied."""
    require_perm(actor, "org.manage")
    return Handover.objects.select_related("user", "actor")


def handover_get(*, actor: Any, id: Any) -> Handover:
    """One handover report. Needs org.manage (PermissionDenied); NotFound when missing."""
    handover = handovers_visible_to(actor).filter(pk=parse_id(id)).first()
    if handover is None:
        raise NotFound()
    return handover
