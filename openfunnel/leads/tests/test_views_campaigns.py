from openfunnel.leads.models import Campaign


def test_campaign_pages(personas, web_as):
    browser = web_as(personas.manager)
    assert browser.get("/campaigns/new/").status_code == 200
    invalid = browser.post("/campaigns/new/", {"name": "", "channel": "other", "cost": "0"})
    assert invalid.status_code == 400 and b"This field is required" in invalid.content
    created = browser.post("/campaigns/new/", {"name": "Expo", "channel": "trade_show", "cost": "10"})
    assert created.status_code == 302
    listing = browser.get("/campaigns/")
    assert b"Expo" in listing.content
    campaign = Campaign.objects.get()
    saved = browser.post(f"/campaigns/{campaign.pk}/edit/", {"name": "Expo 2", "channel": "other", "cost": "5"})
    assert saved.status_code == 302 and saved.url == f"/campaigns/{campaign.pk}/"
    campaign.refresh_from_db()
    assert campaign.name == "Expo 2"


def test_rep_sees_campaigns_but_cannot_create(personas, web_as):
    browser = web_as(personas.alice)
    assert browser.get("/campaigns/").status_code == 200
    assert browser.get("/campaigns/new/").status_code == 403
