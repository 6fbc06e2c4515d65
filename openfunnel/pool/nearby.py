""""Nearby" on web pages (the pool page, the customer list): the browser's location arrives as ?lat=&lng=
(app.js asks for it), the list gains a distance column and is ordered nearest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openfunnel.core.errors import ValidationFailed
from openfunnel.core.geo import DISTANCE, distance_label, parse_point, with_distance
from openfunnel.web.listing import Column

DISTANCE_COLUMN = Column("distance", gettext_lazy("Distance"), sort=DISTANCE, render=distance_label, always=True)
# Parameters a new location replaces: a page number or a sort order belong to the old one.
RESET = ("lat", "lng", "page", "sort")


@dataclass(frozen=True)
class Nearby:
    point: tuple[float, float] | None
    url: str                # this page without a location: the button's target (app.js adds lat/lng)

    @property
    def include(self) -> str:
        return "pool/_nearby.html"


def nearby(request: HttpRequest, queryset: QuerySet[Any]) -> tuple[QuerySet[Any], Nearby]:
    """The queryset with `distance_m` when the request carries a valid location (unordered: the page sorts).

    A bad location is reported as a message and ignored, like a bad filter value.
    """
    params = request.GET.copy()
    for name in RESET:
        params.pop(name, None)
    url = request.path + ("?" + urlencode(sorted(params.lists()), doseq=True) if params else "")
    try:
        point = parse_point(request.GET)
    except ValidationFailed as error:
        messages.error(request, _("The location is not valid: %(errors)s")
                       % {"errors": " ".join(str(m) for ms in (error.fields or {}).values() for m in ms)})
        point = None
    if point is None:
        return queryset, Nearby(point=None, url=url)
    return with_distance(queryset, point, order=False), Nearby(point=point, url=url)
