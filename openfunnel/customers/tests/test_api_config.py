from openfunnel.customers.models import CustomerLevel, DedupSettings, Tag


def test_levels_api(personas, api_as):
    admin = api_as(personas.admin)
    listed = api_as(personas.alice).get("/api/v1/customer-levels/")
    assert [level["code"] for level in listed.json()] == ["vip", "a", "b", "c"]
    created = admin.post("/api/v1/customer-levels/", {"code": "s", "name": "战略", "order": 9}, format="json")
    assert created.status_code == 201
    level_id = created.json()["id"]
    assert (
        admin.post("/api/v1/customer-levels/", {"code": "s", "name": "x"}, format="json").status_code == 400
    )
    assert (
        admin.patch(f"/api/v1/customer-levels/{level_id}/", {"order": -1}, format="json").status_code == 400
    )
    assert (
        admin.patch(f"/api/v1/customer-levels/{level_id}/", {"name": "战略客户"}, format="json").json()[
            "name"
        ]
        == "战略客户"
    )
    assert admin.delete(f"/api/v1/customer-levels/{level_id}/").status_code == 204
    assert CustomerLevel.objects.get(pk=level_id).is_active is False
    alice = api_as(personas.alice)
    assert (
        alice.post("/api/v1/customer-levels/", {"code": "z", "name": "Z"}, format="json").status_code == 403
    )
    assert alice.get("/api/v1/customer-levels/abc/").status_code == 404
    retired = alice.post("/api/v1/customers/", {"name": "Acme", "level": level_id}, format="json")
    assert retired.status_code == 400 and "level" in retired.json()["error"]["fields"]


def test_tags_api(personas, api_as):
    admin = api_as(personas.admin)
    created = admin.post("/api/v1/tags/", {"name": "重点", "color": "#ff0000"}, format="json")
    assert created.status_code == 201
    assert admin.post("/api/v1/tags/", {"name": "x", "color": "red"}, format="json").status_code == 400
    assert admin.post("/api/v1/tags/", {"name": "重点"}, format="json").status_code == 400
    assert api_as(personas.alice).get("/api/v1/tags/").json()[0]["name"] == "重点"
    assert api_as(personas.alice).delete(f"/api/v1/tags/{created.json()['id']}/").status_code == 403
    assert admin.delete(f"/api/v1/tags/{created.json()['id']}/").status_code == 204
    assert not Tag.objects.exists()


def test_dedup_settings_api(personas, api_as):
    assert api_as(personas.alice).get("/api/v1/dedup-settings/").json() == {
        "check_name": True,
        "check_uscc": True,
        "check_phone": True,
        "check_email": True,
    }
    assert (
        api_as(personas.alice)
        .patch("/api/v1/dedup-settings/", {"check_name": False}, format="json")
        .status_code
        == 403
    )
    admin = api_as(personas.admin)
    assert admin.patch("/api/v1/dedup-settings/", {"check_fax": False}, format="json").status_code == 400
    assert admin.patch("/api/v1/dedup-settings/", {"check_name": "perhaps"}, format="json").status_code == 400
    assert admin.patch("/api/v1/dedup-settings/", "{oops", content_type="application/json").status_code == 400
    response = admin.patch("/api/v1/dedup-settings/", {"check_name": False}, format="json")
    assert response.status_code == 200 and response.json()["check_name"] is False
    assert DedupSettings.current().check_name is False
    # with the name check off, the same company name is accepted
    alice = api_as(personas.alice)
    assert alice.post("/api/v1/customers/", {"name": "Acme"}, format="json").status_code == 201
    assert (
        api_as(personas.carol).post("/api/v1/customers/", {"name": "ACME"}, format="json").status_code == 201
    )
