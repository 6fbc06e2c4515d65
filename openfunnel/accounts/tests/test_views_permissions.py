"""Every page of the organization and audit areas × every persona: who gets in, who gets 403."""

import pytest

ADMIN_ONLY = ["/accounts/users/", "/accounts/users/new/", "/accounts/departments/", "/accounts/departments/new/",
              "/accounts/roles/", "/accounts/roles/new/", "/recycle-bin/"]
AUDIT_VIEW = ["/audit/"]
EVERYONE = ["/accounts/profile/"]


@pytest.mark.parametrize("persona", ["admin", "director", "manager", "alice", "carol", "finance"])
def test_page_access_by_role(personas, web_as, persona):
    browser = web_as(getattr(personas, persona))
    for url in ADMIN_ONLY:
        assert browser.get(url).status_code == (200 if persona == "admin" else 403), url
    for url in AUDIT_VIEW:
        assert browser.get(url).status_code == (200 if persona in ("admin", "director") else 403), url
    for url in EVERYONE:
        assert browser.get(url).status_code == 200, url
    edit_pages = [f"/accounts/users/{personas.bob.pk}/", f"/accounts/departments/{personas.north.pk}/",
                  f"/accounts/roles/{personas.bob.role_id}/"]
    for url in edit_pages:
        assert browser.get(url).status_code == (200 if persona == "admin" else 403), url


def test_anonymous_is_sent_to_the_login_page(db, client):
    for url in ADMIN_ONLY + AUDIT_VIEW + EVERYONE:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
