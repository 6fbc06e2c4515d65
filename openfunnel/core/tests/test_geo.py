"""Distances computed by the database (haversine from Django's math functions) and the lat/lng parser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from openfunnel.core.errors import ValidationFailed
from openfunnel.core.geo import distance_label, parse_point, with_distance
from openfunnel.customers.models import Customer

PEOPLES_SQUARE = (31.2304, 121.4737)  # Shanghai


def _customer(name, lat=None, lng=None):
    return Customer.objects.create(name=name, name_key=name.lower(), lat=None if lat is None else Decimal(str(lat)),
                                   lng=None if lng is None else Decimal(str(lng)))


@pytest.mark.django_db
def test_distances_order_and_customers_without_coordinates_last():
    _customer("No Location Co")
    _customer("Beijing Co", 39.9042, 116.4074)
    _customer("Lujiazui Co", 31.2397, 121.4998)
    _customer("Hongqiao Co", 31.1979, 121.3363)
    _customer("Antipode Co", -31.2304, -58.5263)
    rows = list(with_distance(Customer.objects.all(), PEOPLES_SQUARE))
    assert [c.name for c in rows] == ["Lujiazui Co", "Hongqiao Co", "Beijing Co", "Antipode Co", "No Location Co"]
    metres = {c.name: c.distance_m for c in rows}
    assert 2_600 < metres["Lujiazui Co"] < 2_700            # about 2.65 km
    assert 1_060_000 < metres["Beijing Co"] < 1_075_000     # about 1,067 km
    assert 20_000_000 < metres["Antipode Co"] < 20_040_000  # half the circumference: no ASIN domain error
    assert metres["No Location Co"] is None
    with translation.override("en"):
        assert distance_label(rows[0]) == f"{metres['Lujiazui Co'] / 1000:.1f} km" and distance_label(rows[-1]) == ""


@pytest.mark.parametrize("params, fields", [
    ({"lat": "31.2"}, {"lng"}),
    ({"lng": "121"}, {"lat"}),
    ({"lat": "abc", "lng": "121"}, {"lat"}),
    ({"lat": "91", "lng": "181"}, {"lat", "lng"}),
    ({"lat": "nan", "lng": "inf"}, {"lat", "lng"}),
    ({"lat": "1e400", "lng": "0"}, {"lat"}),
])
def test_bad_points_are_field_errors(params, fields):
    with pytest.raises(ValidationFailed) as error:
        parse_point(params)
    assert set(error.value.fields) == fields


def test_points():
    assert parse_point({}) is None and parse_point({"lat": "", "lng": " "}) is None
    assert parse_point({"lat": " -33.5 ", "lng": "151"}) == (-33.5, 151.0)
