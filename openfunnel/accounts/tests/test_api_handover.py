"""/api/v1/users/<id>/handover/: the preview (GET, dry_run) and the handover with its report."""

from __future__ import annotations

import pytest

from openfunnel.accounts.models import Handover
from openfunnel.accounts.testing import make_book
from openfunnel.customers.models import Customer, CustomerShare
from openfunnel.pool.testing import make_pool

COUNTS = {"leads": 2, "customers": 4, "opportunities": 1, "tasks": 2, "reminders": 2}


@pytest.fixture
def book(personas):
    return make_book(personas.alice, admin=personas.admin)


def url(user_id):
    return f"/api/v1/users/{user_id}/handover/"


def test_get_previews_the_counts(personas, book, api_as):
    answer = api_as(personas.admin).get(url(personas.alice.pk))
    assert answer.status_code == 200
    assert answer.json() == {"user": personas.alice.pk, "user_name": "Alice Rep", "counts": COUNTS,
                             "lead_pool": None}


def test_post_to_one_user_answers_the_report(personas, book, api_as):
    answer = api_as(personas.admin).post(url(personas.alice.pk), {"to_user": personas.bob.pk}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["counts"] == COUNTS and body["dry_run"] is False
    assert body["handover"] == Handover.objects.get().pk
    assert body["targets"] == [{"type": "user", "id": personas.bob.pk, "name": "Bob Rep", **COUNTS,
                                "collaborator_shares": 0}]
    assert Customer.objects.filter(owner=personas.bob).count() == 4


def test_split_with_pool_collaborator_and_dry_run(personas, book, api_as):
    api = api_as(personas.admin)
    pool = make_pool(personas)
    body = {"split": [{"to_user": personas.bob.pk}, {"to_user": personas.carol.pk}, {"release_to_pool": pool.pk}],
            "keep_as_collaborator": True, "reason": "Alice moved to marketing"}
    preview = api.post(url(personas.alice.pk), {**body, "dry_run": True}, format="json")
    assert preview.status_code == 200 and preview.json()["dry_run"] is True and preview.json()["handover"] is None
    assert Customer.objects.filter(owner=personas.alice).count() == 5  # four open and one in the recycle bin
    done = api.post(url(personas.alice.pk), body, format="json")
    assert done.status_code == 200
    report = done.json()
    assert [t["customers"] for t in report["targets"]] == [t["customers"] for t in preview.json()["targets"]]
    assert [t["type"] for t in report["targets"]] == ["user", "user", "pool"]
    assert sum(t["customers"] for t in report["targets"]) == 4
    moved_to_users = sum(t["customers"] for t in report["targets"][:2])
    assert CustomerShare.objects.filter(user=personas.alice, can_edit=False).count() == moved_to_users
    assert Customer.objects.get(pool=pool, owner__isnull=True).pool_reason == "Alice moved to marketing"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "to_user"),
    ({"to_user": "bob"}, "to_user"),
    ({"to_user": 0}, "to_user"),
    ({"to_user": 987654321}, "to_user"),
    ({"release_to_pool": 987654321}, "release_to_pool"),
    ({"split": "everyone"}, "split"),
    ({"split": [{"to_user": "x"}]}, "split.0.to_user"),
    ({"split": [{"pool": 1}]}, "split.0.pool"),
    ({"to_user": 1, "owner": 2}, "owner"),
    ({"to_user": 1, "keep_as_collaborator": "perhaps"}, "keep_as_collaborator"),
    ({"to_user": 1, "reason": "x" * 301}, "reason"),
])
def test_bad_input_is_400_with_field_errors(personas, book, api_as, body, field):
    answer = api_as(personas.admin).post(url(personas.alice.pk), body, format="json")
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"], error
    assert all(isinstance(m, str) for m in error["fields"][field])


def test_refusals_name_the_field(personas, book, api_as):
    api = api_as(personas.admin)
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    yourself = api.post(url(personas.alice.pk), {"to_user": personas.admin.pk}, format="json").json()["error"]
    assert "yourself" in yourself["fields"]["to_user"][0]
    same = api.post(url(personas.alice.pk), {"split": [{"to_user": personas.alice.pk}]}, format="json")
    assert "split.0.to_user" in same.json()["error"]["fields"]
    lead_pool = make_pool(personas, name="Lead pool", kind="lead")
    lead_kind = api.post(url(personas.alice.pk), {"release_to_pool": lead_pool.pk}, format="json")
    assert "customer pool" in lead_kind.json()["error"]["fields"]["release_to_pool"][0]
    garbage = api.post(url(personas.alice.pk), "not json", content_type="application/json")
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "validation_error"
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    chinese = api.post(url(personas.alice.pk), {"to_user": personas.admin.pk}, format="json").json()["error"]
    assert chinese["fields"]["to_user"] == ["不能把数据交接给你自己。"]


def test_a_rep_gets_403_and_a_missing_user_404(personas, book, api_as):
    rep = api_as(personas.bob)
    for answer in (rep.get(url(personas.alice.pk)),
                   rep.post(url(personas.alice.pk), {"to_user": personas.bob.pk}, format="json")):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "permission_denied"
    assert Customer.objects.filter(owner=personas.bob).count() == 0
    manager = api_as(personas.manager).post(url(personas.alice.pk), {"to_user": personas.bob.pk}, format="json")
    assert manager.status_code == 403
    admin = api_as(personas.admin)
    for missing in (987654321, "abc"):
        answer = admin.post(url(missing), {"to_user": personas.bob.pk}, format="json")
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert admin.get(url(987654321)).status_code == 404


def test_schema_documents_the_handover(personas, api_as):
    schema = api_as(personas.admin).get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/users/{id}/handover/"]
    assert {"get", "post"} <= set(operations)
