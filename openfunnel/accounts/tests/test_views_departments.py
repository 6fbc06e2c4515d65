from openfunnel.accounts.models import Department


def test_tree_page_shows_indented_departments(personas, web_as):
    page = web_as(personas.admin).get("/accounts/departments/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-depth="2"' in html and html.index("Sales East") < html.index("East Team 1")


def test_create_edit_and_delete_from_the_pages(personas, web_as):
    browser = web_as(personas.admin)
    assert browser.get(f"/accounts/departments/new/?parent={personas.east.pk}").status_code == 200
    invalid = browser.post("/accounts/departments/new/", {"name": "", "parent": personas.east.pk})
    assert invalid.status_code == 400 and b"This field is required" in invalid.content
    duplicate = browser.post("/accounts/departments/new/", {"name": "East Team 1", "parent": personas.east.pk})
    assert duplicate.status_code == 400 and b"already exists" in duplicate.content
    assert browser.post("/accounts/departments/new/", {"name": "East Team 2", "parent": personas.east.pk}).status_code == 302
    team = Department.objects.get(name="East Team 2")
    loop = browser.post(f"/accounts/departments/{personas.east.pk}/", {"name": "Sales East", "parent": team.pk})
    assert loop.status_code == 400
    assert browser.post(f"/accounts/departments/{team.pk}/", {"name": "East Team Two", "parent": personas.east.pk}).status_code == 302
    team.refresh_from_db()
    assert team.name == "East Team Two"
    in_use = browser.post(f"/accounts/departments/{personas.north.pk}/delete/", follow=True)
    assert b"still has users" in in_use.content
    assert browser.post(f"/accounts/departments/{team.pk}/delete/").status_code == 302
    assert not Department.objects.filter(pk=team.pk).exists()


def test_rep_gets_403_on_department_pages(personas, web_as):
    browser = web_as(personas.alice)
    assert browser.get("/accounts/departments/").status_code == 403
    assert browser.get("/accounts/departments/new/").status_code == 403
    assert browser.post(f"/accounts/departments/{personas.north.pk}/", {"name": "Hacked"}).status_code == 403
    assert browser.post(f"/accounts/departments/{personas.finance_dept.pk}/delete/").status_code == 403
    assert browser.get("/accounts/departments/999999/").status_code == 404
