import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openfunnel.sales import selectors
from openfunnel.sales.models import Opportunity, StageChange


def test_board_columns_counts_totals_and_cards(world, web_as):
    world.opp(amount=Decimal("100000"))
    world.opp(amount=Decimal("50000"), name="第二个")
    bob_opp = world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("7"))
    page = web_as(world.p.alice).get("/opportunities/")
    assert page.status_code == 200
    html = page.content.decode()
    first = world.stage("取得销售机会")
    assert f'data-testid="stage-{first.pk}"' in html and f'data-testid="stage-{world.stage("赢单").pk}"' in html
    assert re.search(rf'data-testid="stage-{first.pk}-count">2<', html)
    assert f'data-testid="stage-{first.pk}-amount">150,000.00<' in html
    assert f'data-testid="stage-{first.pk}-weighted">7,500.00<' in html  # 5 %
    assert f'data-testid="opp-{bob_opp.pk}"' not in html  # out of scope
    manager_html = web_as(world.p.manager).get("/opportunities/").content.decode()
    assert f'data-testid="opp-{bob_opp.pk}"' in manager_html


def test_board_filters_and_flags(world, web_as):
    past = timezone.localdate() - dt.timedelta(days=3)
    late = world.opp(expected_close_date=past, name="逾期的")
    world.opp(actor=world.p.bob, customer=world.bob_customer, name="Bob 的")
    Opportunity.objects.filter(pk=late.pk).update(stage_entered_at=timezone.now() - dt.timedelta(days=30))
    browser = web_as(world.p.manager)
    html = browser.get(f"/opportunities/?owner={world.p.alice.pk}").content.decode()
    assert "逾期的" in html and "Bob 的" not in html
    card = html[html.index(f'data-testid="opp-{late.pk}"'):]
    card = card[:card.index("</article>")]
    assert 'data-testid="flag-overdue"' in card and 'data-testid="flag-stalled"' in card  # 取得销售机会 max 7 days
    assert "逾期的" not in browser.get("/opportunities/?period=next_quarter").content.decode()
    assert "逾期的" in browser.get("/opportunities/?period=overdue").content.decode()
    assert browser.get(f"/opportunities/?department={world.p.north.pk}").status_code == 200
    bad = browser.get("/opportunities/?owner=abc&period=someday")
    assert bad.status_code == 200 and "逾期的" in bad.content.decode()  # invalid filters: shown, not applied
    renewal_html = browser.get(f"/opportunities/?pipeline={world.renewal.pk}").content.decode()
    assert "逾期的" not in renewal_html


def test_board_is_a_constant_number_of_queries_and_caps_columns(world, web_as):
    first = world.stage("取得销售机会")
    world.opp()
    template = Opportunity.objects.get()
    Opportunity.objects.bulk_create([
        Opportunity(name=f"批量 {i}", customer=template.customer, owner=template.owner, pipeline=template.pipeline,
                    stage=first if i % 2 else world.stage("初次接触"), amount=Decimal(i), probability=5)
        for i in range(150)])
    browser = web_as(world.p.alice)
    browser.get("/opportunities/")  # warm up session and caches
    with CaptureQueriesContext(connection) as few:
        small = browser.get("/opportunities/?search=批量 1")
    with CaptureQueriesContext(connection) as many:
        page = browser.get("/opportunities/")
    assert page.status_code == 200 and small.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)  # no per-card queries
    html = page.content.decode()
    assert re.search(rf'data-testid="stage-{first.pk}-count">76<', html)
    assert html.count('<article class="kanban-card') == 20  # 10 per column, the rest as the column scrolls
    assert f'data-testid="stage-{first.pk}-more"' in html


def _card_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="kanban-card[^"]*" data-testid="opp-(\d+)"', html)]


def test_a_column_loads_the_rest_of_its_cards_in_order_as_it_scrolls(world, web_as):
    first = world.stage("取得销售机会")
    world.opp()
    template = Opportunity.objects.get()
    Opportunity.objects.bulk_create([
        Opportunity(name=f"批量 {i}", customer=template.customer, owner=template.owner, pipeline=template.pipeline,
                    stage=first, amount=Decimal(i), probability=5,
                    expected_close_date=dt.date(2026, 1, 1) + dt.timedelta(days=i % 40)) for i in range(44)])
    browser = web_as(world.p.alice)
    html = browser.get("/opportunities/").content.decode()
    seen = _card_ids(html)
    url = re.search(rf'hx-get="([^"]+)"[^>]*data-testid="stage-{first.pk}-load"', html).group(1).replace("&amp;", "&")
    while url:
        part = browser.get(url, HTTP_HX_REQUEST="true")
        assert part.status_code == 200 and b"<html" not in part.content
        text = part.content.decode()
        seen += _card_ids(text)
        found = re.search(r'hx-get="([^"]+)"', text)
        url = found.group(1).replace("&amp;", "&") if found else ""
    expected = list(Opportunity.objects.filter(stage=first).order_by(*selectors.board_order()).values_list("pk", flat=True))
    assert seen == expected and len(seen) == 45
    # another rep's scope gets none of them; a stage not on the board and nonsense answer 404, no 500
    other = web_as(world.p.bob).get(f"/opportunities/board/cards/?stage={first.pk}&offset=0")
    assert other.status_code == 200 and _card_ids(other.content.decode()) == []
    assert browser.get(f"/opportunities/board/cards/?stage={first.pk}&offset=abc").status_code == 200
    for query in ("", "?stage=abc", "?stage=999999", f"?stage={first.pk}&pipeline={world.renewal.pk}"):
        assert browser.get(f"/opportunities/board/cards/{query}").status_code == 404


def test_board_fragment_for_refresh(world, web_as):
    world.opp()
    response = web_as(world.p.alice).get("/opportunities/?fragment=board", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'id="board"' in response.content and b"<html" not in response.content


def test_drop_move_refused_then_filled_in_place(world, web_as):
    opp = world.opp()
    browser = web_as(world.p.alice)
    target = world.stage("需求收集")
    refused = browser.post(f"/opportunities/{opp.pk}/move/", {"stage": target.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and refused["X-Move-Refused"] == "1"
    html = refused.content.decode()
    assert 'data-missing="expected_close_date"' in html and 'name="expected_close_date"' in html
    assert 'name="amount"' not in html  # only what is missing is asked for
    opp.refresh_from_db()
    assert opp.stage == world.stage("取得销售机会")
    filled = browser.post(f"/opportunities/{opp.pk}/move/", {"stage": target.pk, "expected_close_date": "2026-11-30"},
                          HTTP_HX_REQUEST="true")
    assert filled.status_code == 204 and filled["HX-Refresh"] == "true"
    opp.refresh_from_db()
    assert opp.stage == target and opp.expected_close_date == dt.date(2026, 11, 30)


def test_drop_on_lost_column_asks_for_the_reason(world, web_as):
    opp = world.opp()
    browser = web_as(world.p.alice)
    lost = world.stage("输单")
    refused = browser.post(f"/opportunities/{opp.pk}/move/", {"stage": lost.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and 'name="lost_reason"' in refused.content.decode()
    done = browser.post(f"/opportunities/{opp.pk}/move/", {"stage": lost.pk, "lost_reason": world.reasons["其他"].pk},
                        HTTP_HX_REQUEST="true")
    assert done.status_code == 204
    assert Opportunity.objects.get(pk=opp.pk).status == "lost"
    closed = browser.post(f"/opportunities/{opp.pk}/move/", {"stage": world.stage("报价").pk}, HTTP_HX_REQUEST="true")
    assert closed.status_code == 409 and closed["X-Move-Refused"] == "1"
    assert b'data-testid="move-refused"' in closed.content


def test_sample_stage_drop_accepts_a_file_in_place(world, web_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    contact = world.alice_customer.contacts.get()
    opp = world.opp(stage=world.stage("客户考察"), expected_close_date=dt.date(2026, 9, 1),
                    contacts=[{"contact": contact}])
    browser = web_as(world.p.alice)
    sample = world.stage("提供样品")
    refused = browser.post(f"/opportunities/{opp.pk}/move/", {"stage": sample.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and 'name="attachments"' in refused.content.decode()
    moved = browser.post(f"/opportunities/{opp.pk}/move/",
                         {"stage": sample.pk, "attachments": SimpleUploadedFile("样品.jpg", b"jpegdata")},
                         HTTP_HX_REQUEST="true")
    assert moved.status_code == 204
    assert opp.attachments.get().stage == sample


def test_move_without_htmx_redirects_and_the_form_page_works(world, web_as):
    opp = world.opp()
    browser = web_as(world.p.alice)
    form = browser.get(f"/opportunities/{opp.pk}/move/?stage={world.stage('需求收集').pk}")
    assert form.status_code == 200 and b'data-testid="move-form"' in form.content
    moved = browser.post(f"/opportunities/{opp.pk}/move/", {"stage": world.stage("初次接触").pk})
    assert moved.status_code == 302
    assert StageChange.objects.filter(opportunity=opp).count() == 2
    assert browser.get(f"/opportunities/{opp.pk}/move/?stage=abc").status_code == 404
    assert browser.get(f"/opportunities/{opp.pk}/move/?stage={world.renewal.stages.first().pk}").status_code == 404


def test_move_scope_and_permission(world, web_as):
    bob_opp = world.opp(actor=world.p.bob, customer=world.bob_customer)
    stage = world.stage("初次接触")
    assert web_as(world.p.alice).post(f"/opportunities/{bob_opp.pk}/move/", {"stage": stage.pk}).status_code == 404
    assert web_as(world.p.finance).post(f"/opportunities/{bob_opp.pk}/move/", {"stage": stage.pk}).status_code == 403
    assert Opportunity.objects.get(pk=bob_opp.pk).stage == world.stage("取得销售机会")


def test_cards_escape_what_users_typed(world, web_as):
    from openfunnel.customers.services import customer_update

    customer_update(actor=world.p.alice, customer=world.alice_customer, data={"name": "<b>粗体</b>客户有限公司"})
    world.opp(name='<script>alert("x")</script>', amount=Decimal("1234.5"))
    html = web_as(world.p.alice).get("/opportunities/").content.decode()
    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<b>粗体</b>" not in html and "&lt;b&gt;粗体&lt;/b&gt;客户有限公司" in html
    assert '<span class="amount">1,234.50</span>' in html


def test_card_amounts_read_as_the_floatformat_filter_writes_them():
    from decimal import Decimal

    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from openfunnel.sales.cards import money_format

    amounts = [Decimal("0"), Decimal("0.5"), Decimal("12.345"), Decimal("-1234.5"), Decimal("1234567.89"),
               Decimal("999999999999.995"), Decimal("100")]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            money = money_format()
            assert [money(a) for a in amounts] == [floatformat(a, "2g") for a in amounts], language
