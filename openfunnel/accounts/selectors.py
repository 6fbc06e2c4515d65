"""Reads of the organization. Departments, roles and the user directory are company-wide reference
data: every signed-in user may read them (pickers, @mentions, assignment); only org.manage writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from openfunnel.accounts.models import ApiToken, Department, Role, User
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
