from openfunnel.accounts.models import Department


def test_list_and_restore(personas, api_as, fake_kind):
    api = api_as(personas.admin)
    first = Department.objects.create(name="Deleted A", parent=personas.hq)
    Department.objects.create(name="Deleted B", parent=personas.hq)
    listed = api.get("/api/v1/recycle-bin/?kind=fakedept&page_size=1").json()
    assert listed["count"] == 2 and listed["next"] and len(listed["results"]) == 1
    item = listed["results"][0]
    assert set(item) >= {"kind", "id", "title", "deleted_at", "deleted_by", "deleted_by_name"}
    assert item["kind"] == "fakedept" and item["title"] == "Deleted B"
    restored = api.post(f"/api/v1/recycle-bin/fakedept/{first.pk}/restore/")
    assert restored.status_code == 200 and restored.json() == {"kind": "fakedept", "id": first.pk, "title": "A"}


def test_restore_conflict_is_409_json(personas, api_as, fake_kind):
    clash = Department.objects.create(name="Deleted clash", parent=personas.hq)
    response = api_as(personas.admin).post(f"/api/v1/recycle-bin/fakedept/{clash.pk}/restore/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate" and response.json()["error"]["existing"]["type"] == "department"


def test_bad_kinds_and_ids(personas, api_as, fake_kind):
    api = api_as(personas.admin)
    assert api.get("/api/v1/recycle-bin/?kind=nosuchkind").status_code == 400
    for url in ("/api/v1/recycle-bin/nosuchkind/1/restore/", "/api/v1/recycle-bin/fakedept/abc/restore/",
                "/api/v1/recycle-bin/fakedept/0/restore/", "/api/v1/recycle-bin/fakedept/999999/restore/",
                "/api/v1/recycle-bin/fakedept/99999999999999999999999/restore/"):
        response = api.post(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", url


def test_rep_gets_403(personas, api_as, fake_kind):
    gone = Department.objects.create(name="Deleted A", parent=personas.hq)
    api = api_as(personas.alice)
    assert api.get("/api/v1/recycle-bin/").status_code == 403
    response = api.post(f"/api/v1/recycle-bin/fakedept/{gone.pk}/restore/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert fake_kind["ids"] == []
