from openfunnel.customers.models import CustomerLevel, DedupSettings, Tag


def test_settings_page_for_admins_only(personas, web_as):
    assert web_as(personas.alice).get("/customers/settings/").status_code == 403
    assert web_as(personas.manager).get("/customers/settings/").status_code == 403
    page = web_as(personas.admin).get("/customers/settings/")
    assert page.status_code == 200 and b"VIP" in page.content


def test_levels_tags_and_dedup_forms(personas, web_as):
    admin = web_as(personas.admin)
    assert (
        admin.post(
            "/customers/settings/levels/new/", {"code": "s", "name": "战略", "order": "5", "is_active": "on"}
        ).status_code
        == 302
    )
    duplicate = admin.post("/customers/settings/levels/new/", {"code": "VIP", "name": "x", "order": "1"})
    assert duplicate.status_code == 400 and b'data-field="code"' in duplicate.content
    level = CustomerLevel.objects.get(code="s")
    assert (
        admin.post(
            f"/customers/settings/levels/{level.pk}/", {"code": "s", "name": "战略", "order": "5"}
        ).status_code
        == 302
    )
    level.refresh_from_db()
    assert not level.is_active
    assert (
        admin.post("/customers/settings/tags/new/", {"name": "重点", "color": "#ff0000"}).status_code == 302
    )
    bad = admin.post("/customers/settings/tags/new/", {"name": "x", "color": "red"})
    assert bad.status_code == 400
    tag = Tag.objects.get()
    assert (
        admin.post(
            f"/customers/settings/tags/{tag.pk}/", {"name": "重点客户", "color": "#ff0000"}
        ).status_code
        == 302
    )
    assert admin.post(f"/customers/settings/tags/{tag.pk}/delete/").status_code == 302
    assert not Tag.objects.exists()
    assert (
        admin.post("/customers/settings/duplicates/", {"check_name": "on", "check_uscc": "on"}).status_code
        == 302
    )
    config = DedupSettings.current()
    assert config.check_name and config.check_uscc and not config.check_phone and not config.check_email
