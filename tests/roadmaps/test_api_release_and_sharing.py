"""The readiness gate through the API, and share links: a token shown once, a revocation kept."""

import pytest
from django.urls import reverse

from products.models import Activity
from roadmaps.models import ChecklistEntry, Release, ReleaseStatus, ShareLink
from tests.conftest import client_for
from tests.factories import (
    DependencyFactory,
    ReleaseFactory,
    RiskFactory,
    RoadmapItemFactory,
    ShareLinkFactory,
    TeamFactory,
)


@pytest.fixture
def unready(team):
    """A release whose item waits on an unfinished blocker, with open checklist entries and an
    open high risk."""
    item = RoadmapItemFactory(product=team.product, title="Rerouting")
    DependencyFactory(blocker=RoadmapItemFactory(product=team.product, title="Tiles"), blocked=item)
    release = ReleaseFactory(product=team.product)
    release.items.set([item])
    RiskFactory(product=team.product, title="Vendor", likelihood=5, impact=4).releases.set(
        [release]
    )
    return release


def _ship(client, release, **body):
    return client.post(f"/api/v1/releases/{release.pk}/ship/", {"version": 1, **body})


def test_readiness_lists_every_problem(team, unready):
    body = client_for(team.viewer).get(f"/api/v1/releases/{unready.pk}/readiness/").json()
    assert body["ready"] is False
    assert [problem["kind"] for problem in body["problems"]] == [
        "blocker",
        *["checklist"] * 4,
        "risk",
    ]
    assert body["problems"][0]["message"] == "“Rerouting” is blocked by “Tiles”, which is planned."


def test_editor_ships_a_ready_release(team):
    release = ReleaseFactory(product=team.product)
    ChecklistEntry.objects.filter(release=release).update(done=True)
    readiness = client_for(team.viewer).get(f"/api/v1/releases/{release.pk}/readiness/").json()
    assert readiness == {"ready": True, "problems": []}

    response = _ship(client_for(team.editor), release)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "shipped"
    assert response.json()["shipped_at"] is not None
    assert Activity.objects.filter(verb="shipped").count() == 1


def test_editor_cannot_ship_a_release_that_is_not_ready(team, unready):
    response = _ship(client_for(team.editor), unready, override_reason="Board said so")

    assert response.status_code == 400
    problems = response.json()["error"]["fields"]["override_reason"]
    assert len(problems) == 6
    assert "High risk “Vendor” is open (score 20)." in problems
    assert Release.objects.get(pk=unready.pk).status == ReleaseStatus.PLANNED


def test_admin_without_a_reason_cannot_ship_a_release_that_is_not_ready(team, unready):
    response = _ship(client_for(team.admin), unready, override_reason="   ")

    assert response.status_code == 400
    assert "say why it ships anyway" in response.json()["error"]["fields"]["override_reason"][0]
    assert Release.objects.get(pk=unready.pk).status == ReleaseStatus.PLANNED


def test_admin_with_a_reason_ships_and_the_activity_records_it(team, unready):
    response = _ship(client_for(team.admin), unready, override_reason="Contractual date")

    assert response.status_code == 200, response.content
    assert response.json()["override_reason"] == "Contractual date"
    entry = Activity.objects.get(verb="shipped with override")
    assert entry.changes["override_reason"]["to"] == "Contractual date"
    assert len(entry.changes["overridden"]["to"]) == 6


def test_shipping_needs_the_current_version_and_happens_once(team):
    release = ReleaseFactory(product=team.product)
    ChecklistEntry.objects.filter(release=release).update(done=True)
    editor = client_for(team.editor)
    url = f"/api/v1/releases/{release.pk}/ship/"
    assert editor.post(url, {}).status_code == 428
    assert editor.post(url, {"version": 3}).status_code == 412
    assert editor.post(url, {}, HTTP_IF_MATCH='"1"').status_code == 200
    again = editor.post(url, {"version": 2})
    assert again.status_code == 400
    assert "already shipped" in again.json()["error"]["fields"]["status"][0]


# --- Share links --------------------------------------------------------------------------------


def test_share_link_token_is_shown_once_and_stored_hashed(team, admin_api):
    squad = TeamFactory(product=team.product)
    response = admin_api.post(
        "/api/v1/share-links/",
        {
            "product": team.product.pk,
            "name": "Board review",
            "view": "board",
            "filters": {"team": str(squad.pk), "lane": "now"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    token = body["token"]
    assert body["url"] == "http://testserver" + reverse("roadmaps:shared", args=[token])
    link = ShareLink.objects.get(pk=body["id"])
    assert link.token_hash == ShareLink.hash_token(token)
    assert token not in str(ShareLink.objects.filter(pk=link.pk).values().get())

    detail = admin_api.get(f"/api/v1/share-links/{link.pk}/")
    listed = admin_api.get("/api/v1/share-links/")
    for later in (detail, listed):
        assert token not in later.content.decode()
        assert "token" not in later.content.decode().replace("display_prefix", "")


def test_revoking_a_share_link_keeps_the_row_and_closes_the_page(team, client, admin_api):
    link = ShareLinkFactory(product=team.product)
    url = f"/api/v1/share-links/{link.pk}/"

    assert admin_api.delete(url).status_code == 428
    assert admin_api.delete(url, HTTP_IF_MATCH='"1"').status_code == 204

    link.refresh_from_db()
    assert link.revoked_at is not None
    assert admin_api.get(url).json()["revoked_at"] is not None
    assert client.get(reverse("roadmaps:shared", args=[link.token])).status_code == 404
    assert admin_api.delete(url, HTTP_IF_MATCH='"1"').status_code == 412


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"view": "gantt"}, "view"),
        ({"filters": {"colour": "red"}}, "filters"),
        ({"filters": {"lane": "someday"}}, "filters"),
        ({"filters": {"team": "987654"}}, "filters"),
        ({"filters": ["lane"]}, "filters"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "soon"}, "expires_at"),
        ({"name": "x" * 121}, "name"),
    ],
)
def test_bad_share_link_input_gets_field_errors(team, fields, field, admin_api):
    body = {"product": team.product.pk, "name": "Board", "view": "board", **fields}
    response = admin_api.post("/api/v1/share-links/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not ShareLink.objects.exists()
