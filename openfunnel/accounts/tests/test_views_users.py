from django.test import Client

from openfunnel.accounts.models import User


def test_users_page_lists_and_filters(personas, web_as):
    browser = web_as(personas.admin)
    page = browser.get("/accounts/users/")
    assert page.status_code == 200 and b"alice" in page.content and b"fiona" in page.content
    filtered = browser.get(f"/accounts/users/?department={personas.east_team.pk}&role=rep&is_active=true")
    assert b"alice" in filtered.content and b"fiona" not in filtered.content
    garbled = browser.get("/accounts/users/?department=abc&is_active=maybe")
    assert garbled.status_code == 200


def test_create_with_field_errors_then_success(personas, web_as):
    browser = web_as(personas.admin)
    assert browser.get("/accounts/users/new/").status_code == 200
    invalid = browser.post("/accounts/users/new/", {"username": "dave", "password": "123", "role": "rep",
                                                    "is_active": "on"})
    assert invalid.status_code == 400 and b"too short" in invalid.content
    assert not User.objects.filter(username="dave").exists()
    created = browser.post("/accounts/users/new/", {
        "username": "dave", "password": "dave-pass-1", "name": "Dave", "role": "rep",
        "department": personas.north.pk, "manager": personas.director.pk, "is_active": "on"})
    assert created.status_code == 302
    dave = User.objects.get(username="dave")
    assert dave.role.code == "rep" and dave.manager == personas.director and dave.is_active


def test_edit_keeps_the_password_when_left_empty_and_refuses_a_manager_loop(personas, web_as):
    browser = web_as(personas.admin)
    form = {"username": "mike", "password": "", "name": "Mike M.", "role": "manager",
            "department": personas.east.pk, "manager": personas.alice.pk, "is_active": "on"}
    loop = browser.post(f"/accounts/users/{personas.manager.pk}/", form)
    assert loop.status_code == 400 and b"loop" in loop.content
    saved = browser.post(f"/accounts/users/{personas.manager.pk}/", {**form, "manager": personas.director.pk})
    assert saved.status_code == 302
    personas.manager.refresh_from_db()
    assert personas.manager.name == "Mike M." and personas.manager.check_password("secret-pass-1")


def test_deactivate_and_reactivate_buttons(personas, web_as):
    browser = web_as(personas.admin)
    alice_browser = Client()
    alice_browser.force_login(personas.alice)
    assert browser.post(f"/accounts/users/{personas.alice.pk}/deactivate/").status_code == 302
    personas.alice.refresh_from_db()
    assert not personas.alice.is_active
    assert alice_browser.get("/accounts/profile/").status_code == 302
    listing = browser.get("/accounts/users/?is_active=false")
    assert b"alice" in listing.content and b"Reactivate" in listing.content
    assert browser.post(f"/accounts/users/{personas.alice.pk}/reactivate/").status_code == 302
    personas.alice.refresh_from_db()
    assert personas.alice.is_active
    yourself = browser.post(f"/accounts/users/{personas.admin.pk}/deactivate/", follow=True)
    assert b"cannot deactivate yourself" in yourself.content


def test_rep_gets_403_on_user_pages(personas, web_as):
    browser = web_as(personas.alice)
    assert browser.get("/accounts/users/").status_code == 403
    assert browser.get("/accounts/users/new/").status_code == 403
    assert browser.post(f"/accounts/users/{personas.bob.pk}/", {"username": "bob", "role": "admin"}).status_code == 403
    assert browser.post(f"/accounts/users/{personas.bob.pk}/deactivate/").status_code == 403
    personas.bob.refresh_from_db()
    assert personas.bob.is_active and personas.bob.role.code == "rep"
