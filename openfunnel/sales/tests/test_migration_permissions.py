"""The data migration that gives existing roles the opportunity permission codes."""

import importlib

from django.apps import apps

from openfunnel.accounts.models import Role

migration = importlib.import_module("openfunnel.sales.migrations.0003_grant_opportunity_permissions")


def test_existing_roles_keep_what_they_could_do_with_opportunities(db):
    seller = Role.objects.create(code="custom_seller", name="Seller", data_scope="self",
                                 permissions=["customers.edit", "customers.share"])
    boss = Role.objects.create(code="custom_boss", name="Boss", data_scope="all",
                               permissions=["customers.edit", "customers.delete", "customers.transfer",
                                            "opportunities.edit"])
    viewer = Role.objects.create(code="custom_viewer", name="Viewer", data_scope="all", permissions=["data.export"])
    migration.grant(apps, None)
    for role in (seller, boss, viewer):
        role.refresh_from_db()
    assert seller.permissions == ["customers.edit", "customers.share", "opportunities.create",
                                  "opportunities.edit", "opportunities.share"]
    assert sorted(boss.permissions) == sorted(["customers.edit", "customers.delete", "customers.transfer",
                                               "opportunities.edit", "opportunities.create",
                                               "opportunities.delete", "opportunities.transfer"])
    assert viewer.permissions == ["data.export"]
    migration.revoke(apps, None)
    seller.refresh_from_db()
    assert seller.permissions == ["customers.edit", "customers.share"]


def test_a_role_without_opportunity_codes_cannot_touch_opportunities(world, api_as):
    opp = world.opp()
    role = world.p.alice.role
    role.permissions = [code for code in role.permissions if not code.startswith("opportunities.")]
    role.save()
    api = api_as(world.p.alice)
    assert api.get(f"/api/v1/opportunities/{opp.pk}/").status_code == 200
    refused = api.patch(f"/api/v1/opportunities/{opp.pk}/", {"name": "改名"}, format="json")
    assert refused.status_code == 403
    created = api.post("/api/v1/opportunities/", {"name": "x", "customer": world.alice_customer.pk}, format="json")
    assert created.status_code == 403
