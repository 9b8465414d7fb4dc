"""Every roadmap endpoint × every kind of caller: the exact status each one gets.

A non-member learns nothing (404), a role too low is refused (403), an anonymous caller gets 401;
a read-scoped token never writes (403) and a token limited to another product sees nothing of
this one (404), whatever its user's role.
"""

import collections
import datetime

import pytest

from lodestar.urls import api_v1
from products.models import Role
from roadmaps.models import ChecklistEntry, RoadmapItem, ShareLink
from tests.conftest import ROADMAP_API_RESOURCES, client_for
from tests.factories import (
    DependencyFactory,
    InsightFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    ProductFactory,
    ReleaseFactory,
    RiskFactory,
    RoadmapItemFactory,
    ShareLinkFactory,
    SnapshotFactory,
    TeamFactory,
)

ROLES = ["admin", "editor", "contributor", "viewer"]
CALLERS = [*ROLES, "outsider", "anonymous", "read token", "other-product token"]
V1 = {"HTTP_IF_MATCH": '"1"'}


def _world(product) -> dict:
    team = TeamFactory(product=product)
    objective = ObjectiveFactory(product=product)
    first, second, third = RoadmapItemFactory.create_batch(3, product=product)
    release = ReleaseFactory(product=product)
    release.items.set([first])
    # A release that passes the readiness gate, so that an editor's ship succeeds.
    ready = ReleaseFactory(product=product)
    ChecklistEntry.objects.filter(release=ready).update(done=True)
    return {
        "product": product.pk,
        "team": team.pk,
        "objective": objective.pk,
        "key_result": KeyResultFactory(objective=objective).pk,
        "item": first.pk,
        "second": second.pk,
        "third": third.pk,
        "dependency": DependencyFactory(blocker=first, blocked=second).pk,
        "release": release.pk,
        "ready": ready.pk,
        "entry": release.checklist.first().pk,
        "risk": RiskFactory(product=product).pk,
        "insight": InsightFactory(product=product).pk,
        "snapshot": SnapshotFactory(product=product).pk,
        "link": ShareLinkFactory(product=product).pk,
    }


def _operations(w: dict, member_id: int) -> dict:
    """operation -> (minimum role, success status, call(client))."""
    p = w["product"]
    later = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()

    def crud(resource, key, body, patch, *, create="editor", read="viewer", delete="editor"):
        url = f"/api/v1/{resource}/"
        ops = {
            f"list {resource}": (read, 200, lambda c: c.get(url, {"product": p})),
            f"create {resource}": (create, 201, lambda c: c.post(url, {"product": p, **body})),
            f"read {resource}": (read, 200, lambda c: c.get(f"{url}{w[key]}/")),
            f"delete {resource}": (delete, 204, lambda c: c.delete(f"{url}{w[key]}/", **V1)),
        }
        if patch is not None:
            ops[f"update {resource}"] = (
                "editor",
                200,
                lambda c: c.patch(f"{url}{w[key]}/", patch, **V1),
            )
        return ops

    operations = {
        **crud("teams", "team", {"name": "Platform"}, {"capacity_points": 20}),
        **crud("objectives", "objective", {"title": "Grow"}, {"title": "Grow more"}),
        **crud("roadmap-items", "item", {"title": "Rerouting"}, {"lane": "now"}),
        **crud("dependencies", "dependency", {"blocker": w["second"], "blocked": w["third"]}, None),
        **crud("releases", "release", {"name": "Autumn", "date": later}, {"name": "Fall"}),
        **crud("risks", "risk", {"title": "Vendor", "likelihood": 2, "impact": 3}, {"impact": 4}),
        **crud(
            "insights", "insight", {"account": "Nordfrakt", "quote": "Yes"}, {"source": "sales"}
        ),
        **crud("snapshots", "snapshot", {"name": "Baseline"}, None, delete="admin"),
        **crud(
            "share-links",
            "link",
            {"name": "Board", "view": "board"},
            None,
            create="admin",
            read="admin",
            delete="admin",
        ),
        "list key-results": (
            "viewer",
            200,
            lambda c: c.get("/api/v1/key-results/", {"product": p}),
        ),
        "create key-results": (
            "editor",
            201,
            lambda c: c.post(
                "/api/v1/key-results/", {"objective": w["objective"], "title": "KR", "target": "9"}
            ),
        ),
        "read key-results": (
            "viewer",
            200,
            lambda c: c.get(f"/api/v1/key-results/{w['key_result']}/"),
        ),
        "update key-results": (
            "editor",
            200,
            lambda c: c.patch(f"/api/v1/key-results/{w['key_result']}/", {"current": "5"}, **V1),
        ),
        "delete key-results": (
            "editor",
            204,
            lambda c: c.delete(f"/api/v1/key-results/{w['key_result']}/", **V1),
        ),
        "read vision": ("viewer", 200, lambda c: c.get(f"/api/v1/products/{p}/vision/")),
        "update vision": (
            "editor",
            200,
            lambda c: c.patch(f"/api/v1/products/{p}/vision/", {"statement": "On time"}, **V1),
        ),
        "move item": (
            "editor",
            200,
            lambda c: c.post(
                f"/api/v1/roadmap-items/{w['item']}/move/", {"lane": "now", "version": 1}
            ),
        ),
        "release readiness": (
            "viewer",
            200,
            lambda c: c.get(f"/api/v1/releases/{w['release']}/readiness/"),
        ),
        "ship release": (
            "editor",
            200,
            lambda c: c.post(f"/api/v1/releases/{w['ready']}/ship/", {"version": 1}),
        ),
        "list checklist-entries": (
            "viewer",
            200,
            lambda c: c.get("/api/v1/checklist-entries/", {"product": p}),
        ),
        "read checklist-entries": (
            "viewer",
            200,
            lambda c: c.get(f"/api/v1/checklist-entries/{w['entry']}/"),
        ),
        "update checklist-entries": (
            "editor",
            200,
            lambda c: c.patch(
                f"/api/v1/checklist-entries/{w['entry']}/",
                {"done": True, "owner": member_id},
                **V1,
            ),
        ),
        "compare snapshot": (
            "viewer",
            200,
            lambda c: c.get(f"/api/v1/snapshots/{w['snapshot']}/compare/"),
        ),
    }
    return operations


OPERATION_NAMES = list(_operations(collections.defaultdict(int), 0))


def _expected(caller: str, minimum: str, ok: int, method_is_safe: bool) -> int:
    if caller == "anonymous":
        return 401
    if caller == "read token":  # an admin's read-only token
        return ok if method_is_safe else 403
    if caller in ("outsider", "other-product token"):
        return 404
    return ok if ROLES.index(caller) <= ROLES.index(minimum) else 403


def _client(team, caller: str):
    if caller == "anonymous":
        return client_for(None)
    if caller == "read token":
        return client_for(team.admin, token_scope="read")
    if caller == "other-product token":
        elsewhere = ProductFactory(name="Elsewhere")
        MembershipFactory(product=elsewhere, user=team.admin, role=Role.ADMIN)
        return client_for(team.admin, token_scope="write", token_product=elsewhere)
    return client_for(team.user(caller), token_scope="write")


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", OPERATION_NAMES)
def test_roadmap_api_matrix(team, caller, operation):
    world = _world(team.product)
    minimum, ok, call = _operations(world, team.viewer.pk)[operation]
    is_safe = operation.split()[0] in {"list", "read", "release", "compare"}

    response = call(_client(team, caller))

    assert response.status_code == _expected(caller, minimum, ok, is_safe), response.content


def test_every_roadmap_endpoint_is_in_the_matrix():
    resources = {str(pattern.pattern).split("/")[0] for pattern in api_v1[0]}
    # Products have their own matrix (tests/products), PRDs theirs (tests/prds).
    prds = {"prds", "acceptance-criteria", "api-contracts", "performance-expectations"}
    prds |= {"decisions", "reviews", "comments", "prd-templates"}
    for resource in resources - {"products", "me"} - prds:
        assert any(name.endswith(resource) for name in OPERATION_NAMES), resource


@pytest.mark.parametrize("caller", ["contributor", "viewer", "outsider", "read token"])
def test_refused_writes_change_nothing(team, caller):
    world = _world(team.product)
    client = _client(team, caller)
    operations = _operations(world, team.viewer.pk)
    for name, (_, _, call) in operations.items():
        if name.split()[0] not in {"list", "read", "release", "compare"}:
            call(client)
    assert RoadmapItem.objects.filter(product=team.product).count() == 3
    assert RoadmapItem.objects.filter(version=1).count() == 3
    assert not ShareLink.objects.filter(revoked_at__isnull=False).exists()


def test_a_token_limited_to_one_product_lists_nothing_of_another(team):
    _world(team.product)
    elsewhere = ProductFactory(name="Elsewhere")
    MembershipFactory(product=elsewhere, user=team.admin, role=Role.ADMIN)
    theirs = RoadmapItemFactory(product=elsewhere)
    client = client_for(team.admin, token_scope="write", token_product=elsewhere)
    for resource in [r for r in ROADMAP_API_RESOURCES if r != "roadmap-items"]:
        assert client.get(f"/api/v1/{resource}/").json()["results"] == [], resource
    items = client.get("/api/v1/roadmap-items/").json()["results"]
    assert [row["id"] for row in items] == [theirs.pk]


def test_share_links_list_only_where_the_caller_is_admin(team):
    _world(team.product)
    assert client_for(team.editor).get("/api/v1/share-links/").json()["results"] == []
    assert len(client_for(team.admin).get("/api/v1/share-links/").json()["results"]) == 1
