from django.utils import translation

from openfunnel.accounts.models import Role


def test_roles_page_shows_the_matrix_and_saves_it(personas, web_as):
    browser = web_as(personas.admin)
    page = browser.get("/accounts/roles/")
    assert page.status_code == 200 and b'data-testid="permission-matrix"' in page.content
    rep, finance = Role.objects.get(code="rep"), Role.objects.get(code="finance")
    assert f'value="{rep.pk}:leads.create" aria-label'.encode() in page.content
    saved = browser.post("/accounts/roles/permissions/", {
        "roles": [rep.pk, finance.pk], "perm": [f"{rep.pk}:leads.create", f"{finance.pk}:audit.view"]})
    assert saved.status_code == 302
    rep.refresh_from_db()
    finance.refresh_from_db()
    assert rep.permissions == ["leads.create"] and finance.permissions == ["audit.view"]
    refused = browser.post("/accounts/roles/permissions/", {"roles": [rep.pk], "perm": [f"{rep.pk}:bogus"]},
                           follow=True)
    assert b"Unknown permission" in refused.content


def test_builtin_role_names_are_shown_in_chinese(personas, web_as):
    browser = web_as(personas.admin)
    with translation.override("zh-hans"):
        page = browser.get("/accounts/roles/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "销售代表".encode() in page.content


def test_create_edit_and_delete_a_custom_role(personas, web_as):
    browser = web_as(personas.admin)
    invalid = browser.post("/accounts/roles/new/", {"code": "pre sales", "name": "", "data_scope": "self"})
    assert invalid.status_code == 400
    created = browser.post("/accounts/roles/new/", {"code": "presales", "name": "Presales", "data_scope": "department",
                                                    "permissions": ["customers.share", "leads.create"]})
    assert created.status_code == 302
    role = Role.objects.get(code="presales")
    assert role.permissions == ["leads.create", "customers.share"]
    assert browser.get(f"/accounts/roles/{role.pk}/").status_code == 200
    assert browser.post(f"/accounts/roles/{role.pk}/", {"code": "presales", "name": "Pre-sales",
                                                        "data_scope": "all"}).status_code == 302
    role.refresh_from_db()
    assert role.name == "Pre-sales" and role.permissions == []
    assert browser.post(f"/accounts/roles/{role.pk}/delete/").status_code == 302
    assert not Role.objects.filter(code="presales").exists()


def test_builtin_role_edit_keeps_code_and_cannot_be_deleted(personas, web_as):
    browser = web_as(personas.admin)
    rep = Role.objects.get(code="rep")
    response = browser.post(f"/accounts/roles/{rep.pk}/", {"code": "seller", "name": "Sales", "data_scope": "self",
                                                           "permissions": ["leads.create"]})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.code == "rep" and rep.name == "Sales"
    refused = browser.post(f"/accounts/roles/{rep.pk}/delete/", follow=True)
    assert b"cannot be deleted" in refused.content and Role.objects.filter(code="rep").exists()


def test_rep_gets_403_on_role_pages(personas, web_as):
    browser = web_as(personas.alice)
    rep = Role.objects.get(code="rep")
    assert browser.get("/accounts/roles/").status_code == 403
    assert browser.post("/accounts/roles/permissions/", {"roles": [rep.pk], "perm": []}).status_code == 403
    assert browser.post(f"/accounts/roles/{rep.pk}/delete/").status_code == 403
    rep.refresh_from_db()
    assert rep.permissions
