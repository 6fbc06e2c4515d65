import datetime as dt

from django.utils import timezone

from openfunnel.activities.models import Task
from openfunnel.activities.services import task_create


def test_tasks_page_lists_my_open_tasks_and_highlights_overdue(personas, web_as):
    task_create(actor=personas.alice, title="Late one", due_at=timezone.now() - dt.timedelta(days=1))
    done = task_create(actor=personas.alice, title="Finished one")
    done.status = Task.Status.DONE
    done.save()
    task_create(actor=personas.manager, title="Bob's", assignee=personas.bob)
    page = web_as(personas.alice).get("/tasks/")
    assert page.status_code == 200
    assert b"Late one" in page.content and b"Finished one" not in page.content and b"Bob&#x27;s" not in page.content
    assert b'class="overdue"' in page.content
    assert b"Finished one" in web_as(personas.alice).get("/tasks/?status=done").content
    manager = web_as(personas.manager).get(f"/tasks/?assignee={personas.bob.pk}")
    assert b"Bob&#x27;s" in manager.content


def test_create_complete_and_reopen_through_pages(personas, web_as):
    browser = web_as(personas.alice)
    invalid = browser.post("/tasks/new/", {"title": "", "priority": "normal"})
    assert invalid.status_code == 400 and not Task.objects.exists()
    refused = browser.post("/tasks/new/", {"title": "For bob", "priority": "normal", "assignee": personas.bob.pk})
    assert refused.status_code == 400 and not Task.objects.exists()
    assert browser.post("/tasks/new/", {"title": "Mine", "priority": "high",
                                        "due_at": "2026-12-01T10:00"}).status_code == 302
    task = Task.objects.get()
    assert task.assignee == personas.alice and task.priority == "high"
    response = browser.post(f"/tasks/{task.pk}/complete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Reopen" in response.content
    task.refresh_from_db()
    assert task.status == "done"
    assert browser.post(f"/tasks/{task.pk}/complete/").status_code == 409
    assert browser.post(f"/tasks/{task.pk}/reopen/").status_code == 302
    assert web_as(personas.carol).post(f"/tasks/{task.pk}/cancel/").status_code == 404
    assert web_as(personas.carol).get(f"/tasks/{task.pk}/").status_code == 404
    edited = browser.post(f"/tasks/{task.pk}/", {"title": "Mine, renamed", "priority": "low"})
    assert edited.status_code == 302
    task.refresh_from_db()
    assert task.title == "Mine, renamed"


def test_finance_has_no_create_form(personas, web_as):
    browser = web_as(personas.finance)
    assert b'data-testid="task-form"' not in browser.get("/tasks/").content
    assert browser.get("/tasks/new/").status_code == 403
