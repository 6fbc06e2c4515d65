"""The data-scope mechanism: which owners' records an actor may see, and what the actor may do.

Every selector in every app builds its visibility filter from `owner_q`; no view checks ownership.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.db.models import Q

from openfunnel.accounts.permissions import (
    PERMISSIONS,
    SCOPE_ALL,
    SCOPE_DEPARTMENT,
    SCOPE_DEPARTMENT_TREE,
    SCOPE_SELF,
)
from openfunnel.core.errors import PermissionDenied


def data_scope(actor: Any) -> str:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return SCOPE_SELF
    if actor.is_superuser:
        return SCOPE_ALL
    role = actor.role
    return role.data_scope if role else SCOPE_SELF


def permissions_of(actor: Any) -> frozenset[str]:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    if actor.is_superuser:
        return frozenset(PERMISSIONS)
    cached = getattr(actor, "_openfunnel_perms", None)
    if cached is None:
        cached = frozenset(actor.role.permissions) if actor.role else frozenset()
        actor._openfunnel_perms = cached
    return cached


def has_perm(actor: Any, code: str) -> bool:
    return code in permissions_of(actor)


def require_perm(actor: Any, code: str) -> None:
    """Raises PermissionDenied unless the actor's role grants `code`."""
    if not has_perm(actor, code):
        raise PermissionDenied()


def department_subtree_ids(department_id: int) -> list[int]:
    """The department and every department below it (the tree is small: one query, walked here)."""
    from openfunnel.accounts.models import Department

    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in Department.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(dept_id)
    found, stack = [], [department_id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _subtree_user_ids(department_id: int) -> list[int]:
    """The users of a department and of every department below it, in one query (a recursive CTE, which
    SQLite and PostgreSQL both run; UNION rather than UNION ALL stops at a cycle). Prepared on PostgreSQL: a
    manager's every page runs it, and its planning costs more than its run."""
    from openfunnel.accounts.models import Department, User
    from openfunnel.core.prepared import prepared_cursor

    departments, users = Department._meta.db_table, User._meta.db_table
    with prepared_cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE tree(id) AS (SELECT id FROM {departments} WHERE id = %s UNION SELECT d.id FROM {departments} d "
            f"JOIN tree t ON d.parent_id = t.id) "
            f"SELECT u.id FROM {users} u WHERE u.department_id IN (SELECT id FROM tree) ORDER BY u.id",
            [department_id],
        )
        return [row[0] for row in cursor.fetchall()]


def visible_owner_ids(actor: Any) -> list[int] | None:
    """Ids of the users whose records the actor sees by role; None means everyone's."""
    scope = data_scope(actor)
    if scope == SCOPE_ALL:
        return None
    cached = getattr(actor, "_openfunnel_owner_ids", None)
    if cached is not None:
        return cached
    from openfunnel.accounts.models import User

    if scope == SCOPE_SELF or actor.department_id is None:
        ids = [actor.id]
    else:
        if scope == SCOPE_DEPARTMENT:
            ids = list(User.objects.filter(department_id=actor.department_id).values_list("id", flat=True))
        else:
            ids = _subtree_user_ids(actor.department_id)
        if actor.id not in ids:
            ids.append(actor.id)
    actor._openfunnel_owner_ids = ids
    return ids


def owner_q(actor: Any, owner_field: str = "owner") -> Q:
    """Rows whose `owner_field` is a user within the actor's data scope (all rows for scope 'all').

    For scope 'all' this is the empty Q(), which Django drops from an OR: a selector that ORs it with
    other conditions must first check `visible_owner_ids(actor) is None` (see customer_scope_q).
    """
    ids = visible_owner_ids(actor)
    if ids is None:
        return Q()
    return Q(**{f"{owner_field}_id__in": ids})


# Set to a dict during a GET/HEAD request by ScopeCacheMiddleware; None elsewhere.
_request_cache: ContextVar[dict[Any, Any] | None] = ContextVar("openfunnel_request_cache", default=None)


def request_cached(actor: Any, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, remembered for the actor for the rest of a read-only request (see ScopeCacheMiddleware).

    Outside such a request (services, jobs, tests calling selectors, a POST) it is computed every time,
    so a share or a pool membership changed a moment ago is always seen.
    """
    cache = _request_cache.get()
    if cache is None:
        return compute()
    slot = (getattr(actor, "pk", None), key)
    if slot not in cache:
        cache[slot] = compute()
    return cache[slot]


class ScopeCacheMiddleware:
    """Lets the scope's lookups (shared records, pool memberships) run once per GET/HEAD request instead of
    once per selector: a page reads them several times and changes none of them."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _request_cache.set({})
        try:
            return self.get_response(request)
        finally:
            _request_cache.reset(token)


def can_see_owner(actor: Any, owner_id: int | None) -> bool:
    ids = visible_owner_ids(actor)
    return ids is None or owner_id in ids
