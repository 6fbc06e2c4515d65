from openfunnel.accounts.services import user_update


def test_audit_page_shows_labels_and_before_after(personas, web_as):
    user_update(actor=personas.admin, user=personas.bob, data={"department": personas.north.pk, "role": "manager"})
    page = web_as(personas.admin).get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "changed the user" in html
    assert "<del>East Team 1</del> → Sales North" in html    # references shown by name
    assert "<del>Sales rep</del> → Sales manager" in html
    filtered = web_as(personas.admin).get("/audit/?verb=user.created")
    assert filtered.status_code == 200 and "<del>East Team 1</del>" not in filtered.content.decode()
    assert web_as(personas.admin).get("/audit/?actor=abc&date_from=garbage").status_code == 200


def test_audit_page_requires_audit_view(personas, web_as):
    assert web_as(personas.director).get("/audit/").status_code == 200
    for persona in (personas.alice, personas.manager, personas.finance):
        assert web_as(persona).get("/audit/").status_code == 403
