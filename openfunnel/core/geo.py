"""Distances from a point (the user's location) to records with `lat` / `lng`, computed by the database.

The great-circle (haversine) distance is built from Django's Sin / Cos / ASin / Sqrt / Radians, which
PostgreSQL has natively and Django registers on SQLite connections: no extension, the same SQL shape on
both, so a list can be ordered by distance and paginated. Records without coordinates get NULL and sort
last. `NearbyFilter` adds it to an API list (`?lat=&lng=`); web pages call `parse_point` / `with_distance`.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Case, F, FloatField, QuerySet, Value, When
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openfunnel.core.errors import ValidationFailed

EARTH_RADIUS_M = 6_371_008.8
DISTANCE = "distance_m"
LIMITS = {"lat": 90.0, "lng": 180.0}


def parse_point(params: Any) -> tuple[float, float] | None:
    """The `lat` / `lng` query parameters as floats; None when neither is given.

    Raises ValidationFailed with a field error per bad value (missing partner, not a number, out of range).
    """
    raw = {name: str(params.get(name) or "").strip() for name in LIMITS}
    if not any(raw.values()):
        return None
    errors: dict[str, list[Any]] = {}
    point: dict[str, float] = {}
    for name, limit in LIMITS.items():
        if not raw[name]:
            errors[name] = [_("Give both a latitude and a longitude.")]
            continue
        try:
            value = float(raw[name][:40])
        except ValueError:
            errors[name] = [_("Enter a number.")]
            continue
        if not math.isfinite(value) or abs(value) > limit:
            errors[name] = [_("Enter a number between %(min)d and %(max)d.") % {"min": -limit, "max": limit}]
            continue
        point[name] = value
    if errors:
        raise ValidationFailed(fields=errors)
    return point["lat"], point["lng"]


def distance_to(lat: float, lng: float, *, lat_field: str = "lat", lng_field: str = "lng") -> Case:
    """An expression: metres from (lat, lng) to each row's point; NULL when the row has no coordinates."""
    phi1, lambda1 = math.radians(lat), math.radians(lng)
    phi2 = Radians(Cast(F(lat_field), FloatField()))
    lambda2 = Radians(Cast(F(lng_field), FloatField()))
    half_dphi = (phi2 - Value(phi1)) / Value(2.0)
    half_dlambda = (lambda2 - Value(lambda1)) / Value(2.0)
    a = Power(Sin(half_dphi), 2) + Value(math.cos(phi1)) * Cos(phi2) * Power(Sin(half_dlambda), 2)
    # Rounding may push `a` a hair above 1 for antipodal points; ASIN would then fail on PostgreSQL.
    metres = Value(2 * EARTH_RADIUS_M) * ASin(Sqrt(Least(a, Value(1.0))))
    # LEAST skips NULLs on PostgreSQL, so rows without coordinates are excluded explicitly.
    return Case(When(**{f"{lat_field}__isnull": False, f"{lng_field}__isnull": False}, then=metres),
                default=Value(None), output_field=FloatField())


def with_distance(queryset: QuerySet[Any], point: tuple[float, float], *, order: bool = True) -> QuerySet[Any]:
    """`queryset` annotated with `distance_m`, nearest first (rows without coordinates last) when `order`."""
    queryset = queryset.annotate(**{DISTANCE: distance_to(*point)})
    return nearest_first(queryset) if order else queryset


def nearest_first(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """An annotated queryset ordered by distance, rows without coordinates last (SQLite and PostgreSQL)."""
    return queryset.order_by(F(DISTANCE).asc(nulls_last=True), "pk")


def distance_value(obj: Any) -> int | None:
    """The annotated distance in whole metres (None without a location or without coordinates)."""
    value = getattr(obj, DISTANCE, None)
    return None if value is None else int(round(value))


def distance_label(obj: Any) -> str:
    """"850 m" / "12.3 km" for a list cell; empty when unknown."""
    metres = distance_value(obj)
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(metres)d m") % {"metres": metres}
    return _("%(km).1f km") % {"km": metres / 1000}


class NearbyFilter:
    """A DRF filter backend: `?lat=&lng=` adds `distance_m` and orders by it unless `ordering` is given.

    Bad values are a 400 with field errors (never a 500)."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        point = parse_point(request.query_params)
        if point is None:
            return queryset
        return with_distance(queryset, point, order=not request.query_params.get("ordering"))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [{"name": name, "required": False, "in": "query", "schema": {"type": "number"},
                 "description": str(text)}
                for name, text in (("lat", gettext_lazy("Latitude of your location: adds distance_m, nearest first")),
                                   ("lng", gettext_lazy("Longitude of your location (with lat)")))]
