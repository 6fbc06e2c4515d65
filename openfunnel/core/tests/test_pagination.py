"""The capped paginator of the web lists and the API: never counts past the cap, never fails on a page number."""

import pytest

from openfunnel.core.pagination import MAX_PAGE, CappedPaginator
from openfunnel.customers.models import Customer
from openfunnel.customers.services import customer_create

HUGE = "99999999999999999999999"


@pytest.fixture
def capped_list(personas, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "count_cap", 3)
    for n in range(6):
        customer_create(actor=personas.alice, name=f"分页测试客户{n}有限公司")
    return personas


def test_past_the_cap_pages_go_on_and_absurd_numbers_are_empty(capped_list):
    paginator = CappedPaginator(Customer.objects.order_by("id"), 2)
    assert paginator.capped and paginator.count == 3
    assert [c.name for c in paginator.page(3)] == ["分页测试客户4有限公司", "分页测试客户5有限公司"]
    from django.core.paginator import EmptyPage

    for number in (4, MAX_PAGE + 1, int(HUGE)):
        with pytest.raises(EmptyPage):
            paginator.page(number)


def test_web_list_and_api_answer_a_huge_page_number_without_an_error(capped_list, web_as, api_as):
    page = web_as(capped_list.alice).get(f"/customers/?page={HUGE}")
    assert page.status_code == 200 and "分页测试客户" in page.content.decode()
    api = api_as(capped_list.alice)
    response = api.get(f"/api/v1/customers/?page={HUGE}&page_size=2")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/customers/?page=3&page_size=2").json()["next"] is None
