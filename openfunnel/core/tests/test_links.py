from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from openfunnel.core.links import pk_url


@pytest.mark.parametrize("name", ["customers:detail", "customers:contact_detail", "leads:detail",
                                  "leads:campaign_detail", "customers:edit"])
def test_the_same_url_as_reverse(name):
    for pk in (1, 7, 12345678901234):
        assert pk_url(name, pk) == reverse(name, args=[pk])


def test_script_prefix_and_other_ids():
    try:
        set_script_prefix("/crm/")
        assert pk_url("customers:detail", 5) == "/crm/customers/5/" == reverse("customers:detail", args=[5])
    finally:
        set_script_prefix("/")
    assert pk_url("customers:detail", 5) == "/customers/5/"
    assert pk_url("customers:detail", "5") == "/customers/5/"
    with pytest.raises(NoReverseMatch):
        pk_url("customers:detail", "x")
    with pytest.raises(NoReverseMatch):
        pk_url("customers:no_such_page", 5)
