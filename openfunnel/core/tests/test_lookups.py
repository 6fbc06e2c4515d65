"""`field__in_array` selects what `field__in` selects, on either database, alone, negated and in an OR."""

from __future__ import annotations

import pytest
from django.db.models import Q

from openfunnel.accounts.models import User


@pytest.mark.django_db
def test_in_array_selects_as_in_does():
    users = [User.objects.create(username=f"u{n}") for n in range(4)]
    ids = [users[0].pk, users[2].pk, None]
    def picked(q: Q) -> list[int]:
        return sorted(User.objects.filter(q).values_list("pk", flat=True))

    assert picked(Q(pk__in_array=ids)) == picked(Q(pk__in=ids)) == sorted([users[0].pk, users[2].pk])
    assert picked(~Q(pk__in_array=ids)) == picked(~Q(pk__in=ids))
    assert picked(Q(pk__in_array=[]) | Q(pk=users[3].pk)) == [users[3].pk]
    assert picked(Q(pk__in_array=[])) == []
    assert picked(~Q(pk__in_array=[])) == picked(Q())
    assert picked(Q(department_id__in_array=[1, 2]) | Q(pk__in_array=[users[1].pk])) == [users[1].pk]
