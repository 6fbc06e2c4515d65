import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory

from openfunnel.sales.models import Opportunity, OpportunityAttachment, OpportunityShare


def test_create_page_and_form_errors(world, web_as):
    browser = web_as(world.p.alice)
    page = browser.get(f"/opportunities/new/?customer={world.alice_customer.pk}")
    assert page.status_code == 200
    invalid = browser.post("/opportunities/new/", {"name": "", "customer": world.alice_customer.pk,
                                                   "forecast_category": "pipeline"})
    assert invalid.status_code == 400 and not Opportunity.objects.exists()
    foreign = browser.post("/opportunities/new/", {"name": "x", "customer": world.carol_customer.pk,
                                                   "forecast_category": "pipeline"})
    assert foreign.status_code == 400 and not Opportunity.objects.exists()
    created = browser.post("/opportunities/new/", {"name": "新商机", "customer": world.alice_customer.pk,
                                                   "amount": "1000", "forecast_category": "best_case",
                                                   "difficulty": "1.20"})
    assert created.status_code == 302
    opp = Opportunity.objects.get()
    assert (opp.owner, opp.forecast_category, opp.difficulty) == (world.p.alice, "best_case", Decimal("1.20"))
    assert web_as(world.p.finance).get("/opportunities/new/").status_code == 403


def test_detail_page_shows_guidance_history_products_and_scope(world, web_as):
    opp = world.opp(lines=[{"product": world.product, "quantity": 1}])
    browser = web_as(world.p.alice)
    page = browser.get(f"/opportunities/{opp.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("guidance", "checklist", "products", "contacts", "attachments", "history", "events", "facts",
                   "stage-path", "follow-ups", "collaborators"):
        assert f'data-testid="{testid}"' in html, testid
    assert world.stage("取得销售机会").guidance in html and "IMM-280" in html
    assert 'data-testid="next-stage-needs"' in html
    assert web_as(world.p.carol).get(f"/opportunities/{opp.pk}/").status_code == 404
    assert browser.get("/opportunities/999999/").status_code == 404
    readonly = web_as(world.p.finance).get(f"/opportunities/{opp.pk}/").content.decode()
    assert 'data-testid="edit"' not in readonly and 'data-testid="line-form"' not in readonly


def test_edit_page_pushes_close_date_and_refuses_stale_versions(world, web_as):
    opp = world.opp(expected_close_date=dt.date(2026, 6, 30))
    browser = web_as(world.p.alice)
    assert browser.get(f"/opportunities/{opp.pk}/edit/").status_code == 200
    form = {"name": opp.name, "amount": "0", "expected_close_date": "2026-08-31", "forecast_category": "commit",
            "source": "", "difficulty": "1.00", "next_step": "报价", "competitor": "", "description": "",
            "version": opp.version}
    assert browser.post(f"/opportunities/{opp.pk}/edit/", form).status_code == 302
    opp.refresh_from_db()
    assert opp.close_date_push_count == 1 and opp.forecast_category == "commit" and opp.next_step == "报价"
    stale = browser.post(f"/opportunities/{opp.pk}/edit/", {**form, "name": "late", "version": 1})
    assert stale.status_code == 400
    opp.refresh_from_db()
    assert opp.name != "late"
    assert web_as(world.p.finance).get(f"/opportunities/{opp.pk}/edit/").status_code == 403
    assert web_as(world.p.carol).get(f"/opportunities/{opp.pk}/edit/").status_code == 404


def test_win_lose_reopen_delete_buttons(world, web_as):
    opp = world.opp()
    browser = web_as(world.p.alice)
    refused = browser.post(f"/opportunities/{opp.pk}/win/", {}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and b'data-testid="missing-requirements"' in refused.content
    lose_page = browser.get(f"/opportunities/{opp.pk}/lose/")
    assert lose_page.status_code == 200
    assert browser.post(f"/opportunities/{opp.pk}/lose/", {"lose-reason": ""}).status_code == 400
    assert browser.post(f"/opportunities/{opp.pk}/lose/", {"lose-reason": world.reasons["价格过高"].pk,
                                                           "lose-note": "贵"}).status_code == 302
    assert Opportunity.objects.get(pk=opp.pk).status == "lost"
    assert browser.post(f"/opportunities/{opp.pk}/reopen/").status_code == 302
    assert Opportunity.objects.get(pk=opp.pk).status == "open"
    assert browser.post(f"/opportunities/{opp.pk}/delete/").status_code == 403
    assert web_as(world.p.manager).post(f"/opportunities/{opp.pk}/delete/").status_code == 302
    assert browser.get(f"/opportunities/{opp.pk}/").status_code == 404


def test_products_contacts_collaborators_and_checklist_sections(world, web_as):
    opp = world.opp()
    browser = web_as(world.p.alice)
    bad = browser.post(f"/opportunities/{opp.pk}/lines/", {"line-product": world.product.pk, "line-quantity": "-1"})
    assert bad.status_code == 400 and not opp.lines.exists()
    added = browser.post(f"/opportunities/{opp.pk}/lines/", {"line-product": world.product.pk, "line-quantity": "2",
                                                             "line-discount_percent": "10"})
    assert added.status_code == 302
    line = opp.lines.get()
    assert line.amount == Decimal("504000.00")
    assert Opportunity.objects.get(pk=opp.pk).amount == Decimal("0.00")  # the amount was not following lines
    assert browser.post(f"/opportunities/{opp.pk}/lines/", {"remove": line.pk}).status_code == 302
    assert not opp.lines.exists()
    contact = world.alice_customer.contacts.get()
    browser.post(f"/opportunities/{opp.pk}/contacts/", {"contact-contact": contact.pk, "contact-role": "supporter"})
    assert opp.contact_links.get().role == "supporter"
    browser.post(f"/opportunities/{opp.pk}/contacts/", {"remove": contact.pk})
    assert not opp.contact_links.exists()
    browser.post(f"/opportunities/{opp.pk}/shares/", {"share-user": world.p.bob.pk, "share-can_edit": "on"})
    assert OpportunityShare.objects.get().can_edit
    browser.post(f"/opportunities/{opp.pk}/shares/", {"remove": world.p.bob.pk})
    assert not OpportunityShare.objects.exists()
    item = world.stage("取得销售机会").checklist[1]
    ticked = browser.post(f"/opportunities/{opp.pk}/checklist/", {"item": item, "done": "1"}, HTTP_HX_REQUEST="true")
    assert ticked.status_code == 200 and "☑" in ticked.content.decode()
    assert web_as(world.p.carol).post(f"/opportunities/{opp.pk}/lines/",
                                      {"line-product": world.product.pk, "line-quantity": "1"}).status_code == 404


def test_attachment_upload_download_and_out_of_scope_404(world, web_as):
    opp = world.opp()
    browser = web_as(world.p.alice)
    uploaded = browser.post(f"/opportunities/{opp.pk}/attachments/",
                            {"file-file": SimpleUploadedFile("快递单.pdf", b"%PDF-1.4 data"),
                             "file-stage": world.stage("提供样品").pk, "file-note": "SF1234"})
    assert uploaded.status_code == 302
    attachment = OpportunityAttachment.objects.get()
    url = f"/opportunities/{opp.pk}/attachments/{attachment.pk}/"
    download = browser.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 data"
    assert web_as(world.p.carol).get(url).status_code == 404
    other = world.opp(actor=world.p.bob, customer=world.bob_customer)
    assert web_as(world.p.bob).get(f"/opportunities/{other.pk}/attachments/{attachment.pk}/").status_code == 404
    empty = browser.post(f"/opportunities/{opp.pk}/attachments/", {"file-file": SimpleUploadedFile("x.txt", b"")})
    assert empty.status_code == 400
    assert browser.post(f"{url}delete/").status_code == 302
    assert not OpportunityAttachment.objects.exists()


def test_list_and_overdue_report_pages(world, web_as):
    past = dt.date.today() - dt.timedelta(days=10)
    world.opp(name="列表商机", expected_close_date=past)
    world.opp(actor=world.p.carol, customer=world.carol_customer, name="卡罗尔的")
    browser = web_as(world.p.alice)
    listing = browser.get("/opportunities/list/").content.decode()
    assert "列表商机" in listing and "卡罗尔的" not in listing
    assert "卡罗尔的" in web_as(world.p.director).get("/opportunities/list/?status=open").content.decode()
    report = web_as(world.p.manager).get("/opportunities/overdue/")
    assert report.status_code == 200 and f'data-testid="overdue-row-{world.p.alice.pk}"' in report.content.decode()


def test_opportunity_panel_tag_for_the_customer_page(world):
    world.opp(name="面板商机")
    world.opp(actor=world.p.manager, customer=world.alice_customer, owner=world.p.bob, name="同事的")
    request = RequestFactory().get("/")
    template = Template("{% load sales_tags %}{% opportunity_panel customer=customer %}")
    request.user = world.p.alice
    html = template.render(Context({"request": request, "customer": world.alice_customer}))
    assert "面板商机" in html and "同事的" in html  # the customer is alice's: she sees its deals
    request.user = world.p.carol
    html = template.render(Context({"request": request, "customer": world.alice_customer}))
    assert "面板商机" not in html


def test_list_stage_filter_names_the_pipeline(world, web_as):
    html = web_as(world.p.alice).get("/opportunities/list/").content.decode()
    assert "标准销售流程 · 报价" in html and "续约/复购流程 · 方案报价" in html
