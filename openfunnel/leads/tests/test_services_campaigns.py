import datetime as dt
from decimal import Decimal

import pytest

from openfunnel.audit.models import Event
from openfunnel.core.errors import PermissionDenied, ValidationFailed
from openfunnel.leads.models import Campaign
from openfunnel.leads.services import campaign_create, campaign_update


def test_manager_creates_a_campaign_and_it_is_audited(personas):
    campaign = campaign_create(actor=personas.manager, name=" 2026 春季广交会 ", channel="trade_show",
                               start_date=dt.date(2026, 4, 15), end_date=dt.date(2026, 4, 19),
                               cost=Decimal("85000.00"))
    assert campaign.name == "2026 春季广交会"
    event = Event.objects.get(verb="campaign.created", object_id=campaign.pk)
    assert event.actor == personas.manager
    assert event.data["cost"] == "85000.00"


def test_rep_may_not_create_campaigns(personas):
    with pytest.raises(PermissionDenied):
        campaign_create(actor=personas.alice, name="Rogue")
    assert not Campaign.objects.exists()


def test_end_before_start_is_refused_on_the_field(personas):
    with pytest.raises(ValidationFailed) as error:
        campaign_create(actor=personas.admin, name="X", start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 4, 1))
    assert "end_date" in error.value.fields


def test_update_records_field_level_before_and_after(personas):
    campaign = campaign_create(actor=personas.admin, name="Webinar", cost=Decimal("100"))
    campaign_update(actor=personas.admin, campaign=campaign, data={"cost": Decimal("250.50")})
    event = Event.objects.get(verb="campaign.updated", object_id=campaign.pk)
    assert event.changes == {"cost": ["100.00", "250.50"]}
    campaign_update(actor=personas.admin, campaign=campaign, data={"cost": Decimal("250.50")})
    assert Event.objects.filter(verb="campaign.updated").count() == 1  # no change, no event
