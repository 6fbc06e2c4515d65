from openfunnel.accounts.models import Department


def test_page_lists_and_restores_with_messages(personas, web_as, fake_kind):
    browser = web_as(personas.admin)
    gone = Department.objects.create(name="Deleted West", parent=personas.hq)
    clash = Department.objects.create(name="Deleted clash", parent=personas.hq)
    page = browser.get("/recycle-bin/?kind=fakedept")
    assert page.status_code == 200 and b"Deleted West" in page.content and b"Fake departments" in page.content
    done = browser.post(f"/recycle-bin/fakedept/{gone.pk}/restore/", follow=True)
    assert b"was restored" in done.content and fake_kind["ids"] == [gone.pk]
    refused = browser.post(f"/recycle-bin/fakedept/{clash.pk}/restore/", follow=True)
    assert b"exists again" in refused.content
    assert browser.post("/recycle-bin/fakedept/999999/restore/").status_code == 404
    assert browser.get("/recycle-bin/?kind=garbage&page=xyz").status_code == 200


def test_empty_bin_and_rep_403(personas, web_as):
    assert b"The recycle bin is empty" in web_as(personas.admin).get("/recycle-bin/").content
    assert web_as(personas.alice).get("/recycle-bin/").status_code == 403
    assert web_as(personas.alice).post("/recycle-bin/fakedept/1/restore/").status_code == 403
