"""The roadmap API's resources: create, read, change and delete each one, with its versions,
its field errors and its links, which may never leave the product."""

import datetime

import pytest

from products.models import Activity, Role
from roadmaps.models import (
    Dependency,
    KeyResult,
    Objective,
    Release,
    RoadmapItem,
    RoadmapSnapshot,
    Team,
    Vision,
)
from tests.conftest import ROADMAP_API_RESOURCES
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
    SnapshotFactory,
    TeamFactory,
)

TODAY = datetime.date.today()


@pytest.fixture
def other_product(team):
    """A product the editor cannot see, with a row of every kind an id could name."""
    product = ProductFactory(name="Elsewhere")
    item = RoadmapItemFactory(product=product)
    return {
        "product": product,
        "team": TeamFactory(product=product),
        "objective": ObjectiveFactory(product=product),
        "item": item,
        "release": ReleaseFactory(product=product),
    }


def _error_fields(response) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    return error["fields"]


# --- Happy paths ----------------------------------------------------------------------------


def test_editor_creates_an_item_with_team_and_objectives(team, editor_api):
    squad = TeamFactory(product=team.product, name="Routing")
    objective = ObjectiveFactory(product=team.product)
    response = editor_api.post(
        "/api/v1/roadmap-items/",
        {
            "product": team.product.pk,
            "title": "Live traffic rerouting",
            "lane": "now",
            "status": "in_progress",
            "start_date": "2030-01-06",
            "end_date": "2030-02-28",
            "confidence": 70,
            "team": squad.pk,
            "theme": "Reliability",
            "objectives": [objective.pk],
            "feature_key": "live-reroute",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    item = RoadmapItem.objects.get(pk=body["id"])
    assert (item.title, item.lane, item.team, item.product) == (
        "Live traffic rerouting",
        "now",
        squad,
        team.product,
    )
    assert list(item.objectives.all()) == [objective]
    assert body["objectives"] == [objective.pk]
    assert body["insight_count"] == 0
    assert body["late_blockers"] == []
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/roadmap-items/{item.pk}/"
    assert (
        body["html_url"] == f"http://testserver/products/{team.product.pk}/roadmap/items/{item.pk}/"
    )
    assert Activity.objects.filter(verb="created", channel="api").count() == 1


def test_item_shows_its_insight_count_and_late_blockers(team, editor_api):
    blocked = RoadmapItemFactory(product=team.product, start_date=TODAY)
    blocker = RoadmapItemFactory(
        product=team.product,
        title="Map tiles",
        start_date=TODAY,
        end_date=TODAY + datetime.timedelta(days=5),
    )
    DependencyFactory(blocker=blocker, blocked=blocked)
    InsightFactory(product=team.product).items.set([blocked])

    body = editor_api.get(f"/api/v1/roadmap-items/{blocked.pk}/").json()

    assert body["insight_count"] == 1
    assert body["late_blockers"] == [
        {
            "id": blocker.pk,
            "title": "Map tiles",
            "end_date": (TODAY + datetime.timedelta(days=5)).isoformat(),
            "days": 5,
        }
    ]


def test_list_rows_are_the_detail_bodies(team, editor_api):
    """List and detail come from one shaper; a drift between them would break clients."""
    objective = ObjectiveFactory(product=team.product)
    KeyResultFactory(objective=objective)
    item = RoadmapItemFactory(product=team.product, team=TeamFactory(product=team.product))
    item.objectives.set([objective])
    release = ReleaseFactory(product=team.product)
    release.items.set([item])
    RiskFactory(product=team.product, owner=team.viewer).items.set([item])
    InsightFactory(product=team.product).items.set([item])
    DependencyFactory(blocker=item, blocked=RoadmapItemFactory(product=team.product))
    SnapshotFactory(product=team.product)
    # Share links are listed to admins only.
    for resource in [r for r in ROADMAP_API_RESOURCES if r != "share-links"]:
        rows = editor_api.get(f"/api/v1/{resource}/").json()["results"]
        assert rows, resource
        for row in rows:
            assert editor_api.get(f"/api/v1/{resource}/{row['id']}/").json() == row, resource


def test_lists_cover_the_callers_products_or_the_one_asked_for(team, editor_api):
    mine = RoadmapItemFactory(product=team.product)
    second = MembershipFactory(user=team.editor, role=Role.VIEWER).product
    other_mine = RoadmapItemFactory(product=second)
    RoadmapItemFactory()  # a product the editor is not in

    everything = editor_api.get("/api/v1/roadmap-items/").json()["results"]
    one = editor_api.get(f"/api/v1/roadmap-items/?product={second.pk}").json()["results"]

    assert [row["id"] for row in everything] == [mine.pk, other_mine.pk]
    assert [row["id"] for row in one] == [other_mine.pk]


def test_item_list_filters(team, editor_api):
    squad = TeamFactory(product=team.product)
    objective = ObjectiveFactory(product=team.product)
    release = ReleaseFactory(product=team.product)
    match = RoadmapItemFactory(
        product=team.product, title="Fleet map", team=squad, theme="Maps", lane="now"
    )
    match.objectives.set([objective])
    release.items.set([match])
    RoadmapItemFactory(product=team.product, title="Billing", lane="later")
    for query in [
        f"team={squad.pk}",
        "theme=Maps",
        "lane=now",
        "status=planned&q=fleet",
        f"objective={objective.pk}",
        f"release={release.pk}",
    ]:
        rows = editor_api.get(f"/api/v1/roadmap-items/?{query}").json()["results"]
        assert [row["id"] for row in rows] == [match.pk], query


def test_item_list_is_paginated_by_cursor(team, editor_api):
    items = [RoadmapItemFactory(product=team.product) for _ in range(3)]
    first = editor_api.get("/api/v1/roadmap-items/?page_size=2").json()
    second = editor_api.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + second["results"]] == [i.pk for i in items]


def test_editor_updates_an_item_with_its_version(team, editor_api):
    item = RoadmapItemFactory(product=team.product)
    url = f"/api/v1/roadmap-items/{item.pk}/"
    response = editor_api.patch(url, {"title": "Renamed", "confidence": 90}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    item.refresh_from_db()
    assert (item.title, item.confidence, item.version) == ("Renamed", 90, 2)
    # The version may come in the body instead of the header.
    assert editor_api.patch(url, {"theme": "Maps", "version": 2}).status_code == 200


def test_product_of_a_row_cannot_be_changed(team, editor_api):
    item = RoadmapItemFactory(product=team.product)
    elsewhere = MembershipFactory(user=team.editor, role=Role.ADMIN).product
    response = editor_api.patch(
        f"/api/v1/roadmap-items/{item.pk}/", {"product": elsewhere.pk}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.product == team.product


def test_move_puts_an_item_after_another_in_a_lane(team, editor_api):
    first = RoadmapItemFactory(product=team.product, lane="now")
    last = RoadmapItemFactory(product=team.product, lane="now")
    moved = RoadmapItemFactory(product=team.product, lane="later")
    response = editor_api.post(
        f"/api/v1/roadmap-items/{moved.pk}/move/", {"lane": "now", "after": first.pk, "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["lane"] == "now"
    order = RoadmapItem.objects.filter(lane="now").order_by("lane_rank")
    assert list(order) == [first, moved, last]


def test_move_to_the_top_and_with_a_stale_version(team, editor_api):
    top = RoadmapItemFactory(product=team.product, lane="now")
    moved = RoadmapItemFactory(product=team.product, lane="now")
    url = f"/api/v1/roadmap-items/{moved.pk}/move/"
    assert editor_api.post(url, {"lane": "now", "after": None}).status_code == 428
    assert editor_api.post(url, {"lane": "now", "after": None, "version": 4}).status_code == 412
    assert editor_api.post(url, {"lane": "now", "after": None, "version": 1}).status_code == 200
    assert list(RoadmapItem.objects.order_by("lane_rank")) == [moved, top]


def test_teams_objectives_and_key_results_round_trip(team, editor_api):
    product = team.product.pk
    created = editor_api.post("/api/v1/teams/", {"product": product, "name": "Maps"})
    assert created.status_code == 201
    assert Team.objects.get(pk=created.json()["id"]).capacity_points == 0
    objective = editor_api.post(
        "/api/v1/objectives/", {"product": product, "title": "Win regional carriers"}
    ).json()
    key_result = editor_api.post(
        "/api/v1/key-results/",
        {"objective": objective["id"], "title": "Carriers live", "target": "40", "unit": "acc"},
    )
    assert key_result.status_code == 201, key_result.content
    assert key_result.json()["product"] == product
    assert key_result.json()["target"] == "40.00"
    kr_url = f"/api/v1/key-results/{key_result.json()['id']}/"
    patched = editor_api.patch(kr_url, {"current": "10"}, HTTP_IF_MATCH='"1"').json()
    assert patched["progress"] == 25
    inline = editor_api.get(f"/api/v1/objectives/{objective['id']}/").json()["key_results"]
    assert [(kr["title"], kr["progress"]) for kr in inline] == [("Carriers live", 25)]
    assert editor_api.delete(kr_url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not KeyResult.objects.exists()
    obj_url = f"/api/v1/objectives/{objective['id']}/"
    assert editor_api.delete(obj_url, HTTP_IF_MATCH='"1"').status_code == 204
    assert not Objective.objects.exists()


def test_vision_is_created_on_first_read_and_edited_with_its_version(team, editor_api):
    url = f"/api/v1/products/{team.product.pk}/vision/"
    first = editor_api.get(url)
    assert first.status_code == 200
    assert first.json()["statement"] == ""
    assert first.json()["html_url"] == f"http://testserver/products/{team.product.pk}/vision/"
    assert editor_api.get(url, HTTP_IF_NONE_MATCH='"1"').status_code == 304
    response = editor_api.patch(url, {"statement": "Every route, on time."}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert Vision.objects.get(product=team.product).statement == "Every route, on time."
    assert editor_api.put(url, {"statement": "x"}, HTTP_IF_MATCH='"1"').status_code == 412


def test_dependencies_are_created_and_deleted(team, editor_api):
    blocker, blocked = RoadmapItemFactory.create_batch(2, product=team.product)
    response = editor_api.post(
        "/api/v1/dependencies/",
        {"product": team.product.pk, "blocker": blocker.pk, "blocked": blocked.pk},
    )
    assert response.status_code == 201, response.content
    url = f"/api/v1/dependencies/{response.json()['id']}/"
    assert editor_api.get(url).json()["blocker"] == blocker.pk
    assert editor_api.delete(url).status_code == 428
    assert editor_api.delete(url, HTTP_IF_MATCH='"1"').status_code == 204
    assert not Dependency.objects.exists()


def test_releases_risks_insights_and_checklist_round_trip(team, editor_api):
    item = RoadmapItemFactory(product=team.product)
    product = team.product.pk
    release = editor_api.post(
        "/api/v1/releases/",
        {"product": product, "name": "Spring", "date": "2030-04-01", "items": [item.pk]},
    ).json()
    assert release["status"] == "planned"
    assert release["items"] == [item.pk]
    entries = editor_api.get(f"/api/v1/checklist-entries/?release={release['id']}").json()
    assert [entry["kind"] for entry in entries["results"]] == [
        "docs",
        "api_reference",
        "enablement",
        "messaging",
    ]
    entry_url = f"/api/v1/checklist-entries/{entries['results'][0]['id']}/"
    patched = editor_api.patch(
        entry_url, {"owner": team.viewer.pk, "done": True, "note": "Ready"}, HTTP_IF_MATCH='"1"'
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["owner"], patched.json()["done"]) == (team.viewer.pk, True)

    risk = editor_api.post(
        "/api/v1/risks/",
        {
            "product": product,
            "title": "Map vendor contract",
            "likelihood": 4,
            "impact": 3,
            "owner": team.editor.pk,
            "items": [item.pk],
            "releases": [release["id"]],
        },
    )
    assert risk.status_code == 201, risk.content
    assert (risk.json()["score"], risk.json()["severity"]) == (12, "high")
    insight = editor_api.post(
        "/api/v1/insights/",
        {"product": product, "account": "Nordfrakt", "quote": "We need it.", "items": [item.pk]},
    )
    assert insight.status_code == 201, insight.content
    assert editor_api.get(f"/api/v1/roadmap-items/{item.pk}/").json()["insight_count"] == 1
    risk_url = f"/api/v1/risks/{risk.json()['id']}/"
    closed = editor_api.patch(risk_url, {"status": "closed", "items": []}, HTTP_IF_MATCH='"1"')
    assert closed.json()["items"] == []
    assert editor_api.delete(risk_url, HTTP_IF_MATCH='"2"').status_code == 204


def test_snapshots_are_created_compared_and_never_edited(team, editor_api, admin_api):
    slipping = RoadmapItemFactory(product=team.product, title="Slipping")
    response = editor_api.post(
        "/api/v1/snapshots/", {"product": team.product.pk, "name": "Q3 baseline"}
    )
    assert response.status_code == 201, response.content
    snapshot = response.json()
    assert snapshot["item_count"] == 1
    RoadmapItem.objects.filter(pk=slipping.pk).update(
        end_date=slipping.end_date + datetime.timedelta(days=9), lane="now"
    )
    added = RoadmapItemFactory(product=team.product, title="Added")

    compare = editor_api.get(f"/api/v1/snapshots/{snapshot['id']}/compare/").json()

    assert [(c["id"], c["days"]) for c in compare["slipped"]] == [(slipping.pk, 9)]
    assert [c["id"] for c in compare["added"]] == [added.pk]
    assert compare["added"][0]["before"] is None
    assert [c["id"] for c in compare["moved_lane"]] == [slipping.pk]
    assert compare["removed"] == compare["pulled_in"] == compare["changed_status"] == []
    url = f"/api/v1/snapshots/{snapshot['id']}/"
    assert editor_api.patch(url, {"name": "Renamed"}).status_code == 405
    assert editor_api.delete(url).status_code == 403  # deleting a baseline takes an admin
    assert admin_api.delete(url).status_code == 204
    assert not RoadmapSnapshot.objects.exists()


# --- Concurrency ----------------------------------------------------------------------------

VERSIONED = {
    "teams": lambda product: TeamFactory(product=product),
    "objectives": lambda product: ObjectiveFactory(product=product),
    "key-results": lambda product: KeyResultFactory(objective__product=product),
    "roadmap-items": lambda product: RoadmapItemFactory(product=product),
    "releases": lambda product: ReleaseFactory(product=product),
    "checklist-entries": lambda product: ReleaseFactory(product=product).checklist.first(),
    "risks": lambda product: RiskFactory(product=product),
    "insights": lambda product: InsightFactory(product=product),
}
SAFE_CHANGE = {
    "teams": {"capacity_points": 12},
    "objectives": {"description": "Why"},
    "key-results": {"unit": "ms"},
    "roadmap-items": {"theme": "Maps"},
    "releases": {"description": "Notes"},
    "checklist-entries": {"note": "Drafted"},
    "risks": {"mitigation": "Second vendor"},
    "insights": {"account": "Nordfrakt"},
}


@pytest.mark.parametrize("resource", VERSIONED)
def test_a_stale_write_gets_412_with_the_current_state(team, editor_api, resource):
    row = VERSIONED[resource](team.product)
    url = f"/api/v1/{resource}/{row.pk}/"
    assert editor_api.patch(url, SAFE_CHANGE[resource], HTTP_IF_MATCH='"1"').status_code == 200

    stale = editor_api.patch(url, SAFE_CHANGE[resource], HTTP_IF_MATCH='"1"')

    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert stale.json()["current"] == editor_api.get(url).json()
    assert stale.json()["current"]["version"] == 2


@pytest.mark.parametrize("resource", VERSIONED)
def test_a_write_without_a_version_gets_428(team, editor_api, resource):
    row = VERSIONED[resource](team.product)
    response = editor_api.patch(f"/api/v1/{resource}/{row.pk}/", SAFE_CHANGE[resource])
    assert response.status_code == 428
    row.refresh_from_db()
    assert row.version == 1


@pytest.mark.parametrize("resource", VERSIONED)
def test_an_unchanged_row_answers_304(team, editor_api, resource):
    row = VERSIONED[resource](team.product)
    url = f"/api/v1/{resource}/{row.pk}/"
    first = editor_api.get(url)
    assert first["ETag"] == '"1"'
    assert editor_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert editor_api.get(url, HTTP_IF_NONE_MATCH='"7"').status_code == 200


# --- Bad input ------------------------------------------------------------------------------


def _item_body(product_id, fields: dict) -> dict:
    return {"product": product_id, "title": "Rerouting", **fields}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": "2030-03-01", "end_date": "2030-02-01"}, "end_date"),
        ({"title": "x" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({"lane": "someday"}, "lane"),
        ({"status": "abandoned"}, "status"),
        ({"start_date": "2030-13-01"}, "start_date"),
        ({"end_date": "next week"}, "end_date"),
        ({"confidence": 101}, "confidence"),
        ({"team": 987654}, "team"),
        ({"team": "Routing"}, "team"),
        ({"objectives": [987654]}, "objectives"),
        ({"objectives": "1"}, "objectives"),
        ({"feature_key": "not a slug"}, "feature_key"),
        ({"product": "x"}, "product"),
        ({"product": None}, "product"),
        ({"product": 2**70}, "product"),
    ],
)
def test_bad_item_input_gets_field_errors(team, editor_api, fields, field):
    fields = _item_body(team.product.pk, fields)
    if fields["product"] is None:
        del fields["product"]
    response = editor_api.post("/api/v1/roadmap-items/", fields)
    assert field in _error_fields(response)
    assert not RoadmapItem.objects.exists()


def test_end_before_start_on_a_patch_is_checked_against_the_stored_start(team, editor_api):
    item = RoadmapItemFactory(product=team.product, start_date=datetime.date(2030, 3, 1))
    response = editor_api.patch(
        f"/api/v1/roadmap-items/{item.pk}/", {"end_date": "2030-02-01"}, HTTP_IF_MATCH='"1"'
    )
    assert _error_fields(response) == {"end_date": ["The end date is before the start date."]}


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("roadmap-items", lambda o: {"title": "T", "team": o["team"].pk}),
        ("roadmap-items", lambda o: {"title": "T", "objectives": [o["objective"].pk]}),
        ("releases", lambda o: {"name": "R", "date": "2030-01-01", "items": [o["item"].pk]}),
        ("risks", lambda o: {"title": "R", "likelihood": 1, "impact": 1, "items": [o["item"].pk]}),
        (
            "risks",
            lambda o: {"title": "R", "likelihood": 1, "impact": 1, "releases": [o["release"].pk]},
        ),
        ("insights", lambda o: {"account": "A", "quote": "Q", "items": [o["item"].pk]}),
        ("dependencies", lambda o: {"blocker": o["item"].pk, "blocked": o["item"].pk}),
    ],
)
def test_ids_of_another_product_are_field_errors_that_name_nothing(
    team, editor_api, other_product, resource, body
):
    payload = {"product": team.product.pk, **body(other_product)}
    fields = _error_fields(editor_api.post(f"/api/v1/{resource}/", payload))
    text = str(fields)
    assert "This product has no" in text
    assert other_product["item"].title not in text
    assert other_product["team"].name not in text


def test_a_link_to_another_product_is_refused_on_update_too(team, editor_api, other_product):
    item = RoadmapItemFactory(product=team.product)
    response = editor_api.patch(
        f"/api/v1/roadmap-items/{item.pk}/",
        {"team": other_product["team"].pk},
        HTTP_IF_MATCH='"1"',
    )
    assert "team" in _error_fields(response)
    item.refresh_from_db()
    assert item.team is None


def test_moving_after_an_item_of_another_product_is_refused(team, editor_api, other_product):
    item = RoadmapItemFactory(product=team.product)
    response = editor_api.post(
        f"/api/v1/roadmap-items/{item.pk}/move/",
        {"lane": "next", "after": other_product["item"].pk, "version": 1},
    )
    assert "after" in _error_fields(response)


def test_moving_to_an_unknown_lane_is_refused(team, editor_api):
    item = RoadmapItemFactory(product=team.product)
    response = editor_api.post(
        f"/api/v1/roadmap-items/{item.pk}/move/", {"lane": "backlog", "version": 1}
    )
    assert "lane" in _error_fields(response)


def test_key_result_of_an_objective_the_caller_cannot_see_is_404(team, editor_api, other_product):
    response = editor_api.post(
        "/api/v1/key-results/",
        {"objective": other_product["objective"].pk, "title": "KR", "target": "5"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("target", ["0", "abc", "1234567890123456"])
def test_bad_key_result_target_is_a_field_error(team, editor_api, target):
    objective = ObjectiveFactory(product=team.product)
    response = editor_api.post(
        "/api/v1/key-results/", {"objective": objective.pk, "title": "KR", "target": target}
    )
    assert "target" in _error_fields(response)


def test_self_dependency_is_refused(team, editor_api):
    item = RoadmapItemFactory(product=team.product)
    response = editor_api.post(
        "/api/v1/dependencies/",
        {"product": team.product.pk, "blocker": item.pk, "blocked": item.pk},
    )
    assert _error_fields(response) == {"blocked": ["An item cannot block itself."]}


def test_duplicate_dependency_is_refused(team, editor_api):
    dependency = DependencyFactory(blocker__product=team.product)
    response = editor_api.post(
        "/api/v1/dependencies/",
        {
            "product": team.product.pk,
            "blocker": dependency.blocker.pk,
            "blocked": dependency.blocked.pk,
        },
    )
    assert "already blocks" in _error_fields(response)["blocked"][0]


def test_cycle_is_refused_naming_the_cycle(team, editor_api):
    first, second, third = (
        RoadmapItemFactory(product=team.product, title=title) for title in ["One", "Two", "Three"]
    )
    DependencyFactory(blocker=first, blocked=second)
    DependencyFactory(blocker=second, blocked=third)
    response = editor_api.post(
        "/api/v1/dependencies/",
        {"product": team.product.pk, "blocker": third.pk, "blocked": first.pk},
    )
    message = _error_fields(response)["blocked"][0]
    assert "“Three” → “One” → “Two” → “Three”" in message
    assert Dependency.objects.count() == 2


def test_dependency_across_products_is_refused(team, editor_api):
    mine = RoadmapItemFactory(product=team.product)
    second = MembershipFactory(user=team.editor, role=Role.EDITOR).product
    theirs = RoadmapItemFactory(product=second)
    response = editor_api.post(
        "/api/v1/dependencies/",
        {"product": team.product.pk, "blocker": mine.pk, "blocked": theirs.pk},
    )
    assert "blocked" in _error_fields(response)
    assert not Dependency.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "x" * 81}, "name"),
        ({"name": ""}, "name"),
        ({"capacity_points": -1}, "capacity_points"),
    ],
)
def test_bad_team_input_gets_field_errors(team, editor_api, fields, field):
    response = editor_api.post(
        "/api/v1/teams/", {"product": team.product.pk, "name": "A", **fields}
    )
    assert field in _error_fields(response)


def test_duplicate_team_name_is_a_field_error(team, editor_api):
    TeamFactory(product=team.product, name="Routing")
    response = editor_api.post("/api/v1/teams/", {"product": team.product.pk, "name": "routing"})
    assert "name" in _error_fields(response)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"likelihood": 6}, "likelihood"),
        ({"impact": 0}, "impact"),
        ({"status": "ignored"}, "status"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_risk_input_gets_field_errors(team, editor_api, fields, field):
    body = {"product": team.product.pk, "title": "R", "likelihood": 2, "impact": 2, **fields}
    assert field in _error_fields(editor_api.post("/api/v1/risks/", body))


def test_owner_must_be_a_member_of_the_product(team, editor_api):
    entry = ReleaseFactory(product=team.product).checklist.first()
    url = f"/api/v1/checklist-entries/{entry.pk}/"
    response = editor_api.patch(url, {"owner": team.outsider.pk}, HTTP_IF_MATCH='"1"')
    assert _error_fields(response) == {
        "owner": [f"No member of this product has id {team.outsider.pk}."]
    }
    body = {"product": team.product.pk, "title": "R", "likelihood": 2, "impact": 2}
    risk = editor_api.post("/api/v1/risks/", {**body, "owner": team.outsider.pk})
    assert "owner" in _error_fields(risk)


def test_release_status_cannot_be_edited(team, editor_api):
    release = ReleaseFactory(product=team.product)
    response = editor_api.patch(
        f"/api/v1/releases/{release.pk}/", {"status": "shipped"}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200  # read-only: ignored, like any read-only field
    release.refresh_from_db()
    assert release.status == "planned"
    assert not Release.objects.filter(status="shipped").exists()


@pytest.mark.parametrize(
    "query", ["team=abc", "lane=someday", "status=x", "product=abc", f"team={2**70}", "cursor=zz"]
)
def test_bad_filters_are_400(team, editor_api, query):
    response = editor_api.get(f"/api/v1/roadmap-items/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
