"""The timeline, board and list pages, the item pages and the endpoints a drag posts to: who may
see and change what, what bad input and stale versions get, and what is drawn."""

import datetime
import re

import pytest
from django.urls import reverse

from products.models import Activity
from roadmaps.models import Dependency, Lane, RoadmapItem, Status
from roadmaps.queries import roadmap_for
from roadmaps.views.items import roadmap_view_context
from tests.factories import (
    DependencyFactory,
    InsightFactory,
    ObjectiveFactory,
    ProductFactory,
    ReleaseFactory,
    RoadmapItemFactory,
    TeamFactory,
)

TODAY = datetime.date.today()
VIEW_NAMES = ["roadmaps:timeline", "roadmaps:board", "roadmaps:list"]
WRITE_MARKERS = [
    "tl-handle",
    "tl-editable",
    "board-editable",
    "board-move",
    'method="post"',
    "New item",
    "draggable",
    "Delete item",
]


def url(name, *args):
    return reverse(name, args=args)


def main_of(response) -> str:
    """The page's main region (the frame's log-out form is not an edit control)."""
    return response.content.decode().split('id="main"')[1]


@pytest.fixture
def roadmap(team):
    """Three items in two teams: A blocks B (and ends after B starts), C has no dates."""
    platform = TeamFactory(product=team.product, name="Platform")
    mobile = TeamFactory(product=team.product, name="Mobile")
    a = RoadmapItemFactory(
        product=team.product,
        title="Routing engine",
        team=platform,
        lane=Lane.NOW,
        status=Status.IN_PROGRESS,
        start_date=TODAY,
        end_date=TODAY + datetime.timedelta(days=40),
    )
    b = RoadmapItemFactory(
        product=team.product,
        title="Driver app",
        team=mobile,
        lane=Lane.NEXT,
        theme="Drivers",
        start_date=TODAY + datetime.timedelta(days=20),
        end_date=TODAY + datetime.timedelta(days=60),
    )
    c = RoadmapItemFactory(
        product=team.product,
        title="Fleet insights",
        lane=Lane.LATER,
        start_date=None,
        end_date=None,
    )
    DependencyFactory(blocker=a, blocked=b)
    InsightFactory(product=team.product).items.add(b)
    ReleaseFactory(product=team.product, name="Spring release")
    return {"a": a, "b": b, "c": c, "platform": platform, "mobile": mobile}


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_non_member_gets_404_on_every_roadmap_view(team, client, roadmap, name):
    client.force_login(team.outsider)
    assert client.get(url(name, team.product.pk)).status_code == 404


def test_non_member_gets_404_on_item_pages_and_endpoints(team, client, roadmap):
    client.force_login(team.outsider)
    pk, item = team.product.pk, roadmap["a"]
    assert client.get(url("roadmaps:item", pk, item.pk)).status_code == 404
    assert client.get(url("roadmaps:item-create", pk)).status_code == 404
    assert client.post(url("roadmaps:item-dates", pk, item.pk), {}).status_code == 404
    assert client.post(url("roadmaps:item-move", pk, item.pk), {}).status_code == 404


def test_item_of_another_product_is_404(team, client, roadmap):
    other = RoadmapItemFactory(product=ProductFactory())
    client.force_login(team.admin)
    assert client.get(url("roadmaps:item", team.product.pk, other.pk)).status_code == 404
    response = client.post(
        url("roadmaps:item-dates", team.product.pk, other.pk),
        {"start_date": "2030-01-01", "end_date": "2030-02-01", "version": 1},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["viewer", "contributor"])
@pytest.mark.parametrize("name", VIEW_NAMES)
def test_readers_see_roadmap_views_without_any_edit_control(team, client, roadmap, role, name):
    client.force_login(team.user(role))
    response = client.get(url(name, team.product.pk))
    assert response.status_code == 200
    html = main_of(response)
    assert "Read-only" in html
    assert "Last change" in html
    for marker in WRITE_MARKERS:
        assert marker not in html, marker
    assert "Routing engine" in html


@pytest.mark.parametrize("role", ["viewer", "contributor"])
def test_readers_see_the_item_page_without_forms(team, client, roadmap, role):
    client.force_login(team.user(role))
    response = client.get(url("roadmaps:item", team.product.pk, roadmap["b"].pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Read-only" in html
    assert "<form" not in html.split('id="main"')[1]
    assert "Remove" not in html and "Add dependency" not in html
    assert "Routing engine" in html  # the blocker is listed


@pytest.mark.parametrize("role", ["viewer", "contributor"])
def test_readers_are_refused_every_write(team, client, roadmap, role):
    client.force_login(team.user(role))
    pk, item = team.product.pk, roadmap["a"]
    dependency = Dependency.objects.get()
    posts = [
        url("roadmaps:item", pk, item.pk),
        url("roadmaps:item-create", pk),
        url("roadmaps:item-dates", pk, item.pk),
        url("roadmaps:item-move", pk, item.pk),
        url("roadmaps:item-delete", pk, item.pk),
        url("roadmaps:dependency-add", pk, item.pk),
        url("roadmaps:dependency-delete", pk, dependency.pk),
    ]
    for path in posts:
        assert client.post(path, {"version": 1, "title": "x"}).status_code == 403, path
    assert client.get(url("roadmaps:item-create", pk)).status_code == 403
    item.refresh_from_db()
    assert item.version == 1 and Dependency.objects.count() == 1


def test_editor_sees_drag_and_edit_controls(team, client, roadmap):
    client.force_login(team.editor)
    timeline = client.get(url("roadmaps:timeline", team.product.pk)).content.decode()
    assert "tl-editable" in timeline and 'class="tl-handle"' in timeline
    assert "New item" in timeline and "Read-only" not in timeline
    board = client.get(url("roadmaps:board", team.product.pk)).content.decode()
    assert "board-editable" in board and 'name="lane" value="now"' in board
    assert "Sortable.min.js" in board


# --- What the views draw --------------------------------------------------------------------


def test_timeline_draws_bars_arrows_flags_releases_and_unscheduled_items(team, client, roadmap):
    client.force_login(team.viewer)
    html = client.get(url("roadmaps:timeline", team.product.pk)).content.decode()
    assert html.count('class="tl-bar ') == 2
    assert 'data-from="{}" data-to="{}"'.format(roadmap["a"].pk, roadmap["b"].pk) in html
    assert "Blocked by “Routing engine”" in html  # the late flag's tooltip
    assert "Spring release" in html and 'class="tl-today"' in html
    assert "Not scheduled" in html and "Fleet insights" in html
    assert "In progress" in html  # the status as text, not only a colour
    assert "</tspan> Mobile <tspan" in html and "</tspan> Platform <tspan" in html


def test_timeline_zoom_and_grouping_come_from_the_url(team, client, roadmap):
    client.force_login(team.viewer)
    html = client.get(
        url("roadmaps:timeline", team.product.pk) + "?zoom=quarter&group=theme"
    ).content.decode()
    assert "</tspan> No theme <tspan" in html and "</tspan> Drivers <tspan" in html
    assert re.search(r">Q\d</text>", html)  # quarter cells without the year
    bogus = client.get(url("roadmaps:timeline", team.product.pk) + "?zoom=decade&group=%00")
    assert bogus.status_code == 200


def test_board_lists_cards_in_lane_order_with_badges_and_evidence(team, client, roadmap):
    d = RoadmapItemFactory(product=team.product, title="Late night", lane=Lane.NEXT)
    RoadmapItem.objects.filter(pk=d.pk).update(lane_rank=-1)
    client.force_login(team.viewer)
    html = client.get(url("roadmaps:board", team.product.pk)).content.decode()
    next_lane = html.split('data-lane="next"')[1].split('data-lane="later"')[0]
    assert next_lane.index("Late night") < next_lane.index("Driver app")
    assert "badge-status-in_progress" in html
    assert "1 customer insight" in html
    assert "late-flag" in next_lane


def test_list_sorts_and_filters_through_the_url(team, client, roadmap):
    client.force_login(team.viewer)
    base = url("roadmaps:list", team.product.pk)
    html = client.get(base + "?sort=-title").content.decode()
    body = html.split("<tbody>")[1]
    assert body.index("Routing engine") < body.index("Fleet insights") < body.index("Driver app")
    assert 'aria-sort="descending"' in html
    filtered = client.get(base + f"?team={roadmap['mobile'].pk}").content.decode()
    rows = filtered.split("<tbody>")[1]
    assert ">Driver app</a>" in rows and ">Routing engine</a>" not in rows
    # Tabs keep the filters.
    assert f"/roadmap/board/?team={roadmap['mobile'].pk}" in filtered
    evidence = client.get(base + "?sort=-evidence").content.decode().split("<tbody>")[1]
    assert evidence.index("Driver app") < evidence.index("Routing engine")


def test_filter_request_from_htmx_gets_only_the_view(team, client, roadmap):
    client.force_login(team.viewer)
    response = client.get(
        url("roadmaps:board", team.product.pk) + "?status=in_progress", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="roadmap-body"')
    assert "Routing engine" in html and "Driver app" not in html


def test_bad_filter_values_do_not_fail(team, client, roadmap):
    client.force_login(team.viewer)
    for query in ["?team=abc", "?status=nope", "?objective=-1", "?release=99999999", "?sort=x"]:
        assert client.get(url("roadmaps:list", team.product.pk) + query).status_code == 200


@pytest.mark.parametrize("view", ["timeline", "board", "list"])
def test_public_view_context_renders_without_links_into_the_app(team, roadmap, view):
    from django.template.loader import render_to_string

    data, _ = roadmap_for(team.product, {})
    context = roadmap_view_context(data, view, {}, editable=False)
    context["public"] = True
    html = render_to_string("roadmaps/_roadmap_view.html", context)
    assert "Routing engine" in html
    assert f"/products/{team.product.pk}/" not in html
    assert "<form" not in html and "href=" not in html.replace('href="?', "")


# --- Item form ------------------------------------------------------------------------------


def item_data(**overrides):
    data = {
        "title": "Offline maps",
        "summary": "",
        "status": "planned",
        "lane": "next",
        "start_date": "2030-03-01",
        "end_date": "2030-04-30",
        "confidence": "70",
        "team": "",
        "theme": "",
        "feature_key": "",
    }
    data.update(overrides)
    return data


def test_editor_creates_an_item(team, client, roadmap):
    objective = ObjectiveFactory(product=team.product)
    client.force_login(team.editor)
    response = client.post(
        url("roadmaps:item-create", team.product.pk),
        item_data(team=roadmap["platform"].pk, objectives=[objective.pk]),
    )
    item = RoadmapItem.objects.get(title="Offline maps")
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    assert item.team == roadmap["platform"] and list(item.objectives.all()) == [objective]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"end_date": "2030-02-01"}, "end_date"),
        ({"title": "x" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({"lane": "someday"}, "lane"),
        ({"status": "vibes"}, "status"),
        ({"confidence": "140"}, "confidence"),
        ({"start_date": "31/02/2030"}, "start_date"),
    ],
)
def test_bad_item_input_is_a_field_error_and_saves_nothing(team, client, overrides, field):
    client.force_login(team.editor)
    response = client.post(url("roadmaps:item-create", team.product.pk), item_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not RoadmapItem.objects.filter(product=team.product).exists()


def test_team_or_objective_of_another_product_is_refused(team, client, roadmap):
    foreign_team = TeamFactory(product=ProductFactory())
    foreign_objective = ObjectiveFactory(product=foreign_team.product)
    client.force_login(team.editor)
    item = roadmap["a"]
    response = client.post(
        url("roadmaps:item", team.product.pk, item.pk),
        {
            **item_data(team=foreign_team.pk, objectives=[foreign_objective.pk]),
            **initial_of(item),
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"team", "objectives"}
    item.refresh_from_db()
    assert item.team == roadmap["platform"] and item.version == 1


def initial_of(item):
    from roadmaps.forms import RoadmapItemEditForm

    return RoadmapItemEditForm.initial_for(item)


def edit_data(item, **overrides):
    data = item_data(
        title=item.title,
        status=item.status,
        lane=item.lane,
        start_date=item.start_date.isoformat() if item.start_date else "",
        end_date=item.end_date.isoformat() if item.end_date else "",
        confidence=str(item.confidence),
        team=item.team_id or "",
        theme=item.theme,
    )
    data.update(initial_of(item))
    data.update(overrides)
    return data


def test_edit_saves_and_logs_activity(team, client, roadmap):
    item = roadmap["a"]
    client.force_login(team.editor)
    response = client.post(
        url("roadmaps:item", team.product.pk, item.pk), edit_data(item, title="Routing v2")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Routing v2" and item.version == 2
    page = client.get(url("roadmaps:item", team.product.pk, item.pk)).content.decode()
    assert "Routing v2" in page and "updated" in page


def test_stale_save_of_another_field_merges(team, client, roadmap):
    item = roadmap["a"]
    stale = edit_data(item, title="Routing v2")
    RoadmapItem.objects.filter(pk=item.pk).update(confidence=90, version=2)
    client.force_login(team.editor)
    response = client.post(url("roadmaps:item", team.product.pk, item.pk), stale)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.confidence, item.version) == ("Routing v2", 90, 3)


def test_stale_save_of_the_same_field_shows_the_conflict(team, client, roadmap):
    item = roadmap["a"]
    stale = edit_data(item, end_date=(TODAY + datetime.timedelta(days=50)).isoformat())
    theirs = TODAY + datetime.timedelta(days=70)
    RoadmapItem.objects.filter(pk=item.pk).update(end_date=theirs, version=2)
    client.force_login(team.editor)
    response = client.post(url("roadmaps:item", team.product.pk, item.pk), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this while you were editing" in html
    assert "both changed" in html
    assert 'name="version" value="2"' in html
    item.refresh_from_db()
    assert item.end_date == theirs and item.version == 2


def test_editor_deletes_an_item_after_confirming(team, client, roadmap):
    item = roadmap["a"]
    client.force_login(team.editor)
    page = client.get(url("roadmaps:item", team.product.pk, item.pk)).content.decode()
    assert 'data-dialog-open="delete-item"' in page
    stale = client.post(url("roadmaps:item-delete", team.product.pk, item.pk), {"version": 7})
    assert stale.status_code == 302 and RoadmapItem.objects.filter(pk=item.pk).exists()
    client.post(url("roadmaps:item-delete", team.product.pk, item.pk), {"version": 1})
    assert not RoadmapItem.objects.filter(pk=item.pk).exists()
    assert not Dependency.objects.exists()


# --- Timeline drag --------------------------------------------------------------------------


def test_date_drag_saves_and_returns_the_new_version(team, client, roadmap):
    item = roadmap["b"]
    client.force_login(team.editor)
    response = client.post(
        url("roadmaps:item-dates", team.product.pk, item.pk),
        {"start_date": "2031-01-05", "end_date": "2031-02-01", "version": 1},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["item"]["version"] == 2 and data["item"]["start_date"] == "2031-01-05"
    # Moved after its blocker ends: the flag goes.
    assert data["late"] == {str(item.pk): ""}
    item.refresh_from_db()
    assert (item.start_date, item.end_date) == (
        datetime.date(2031, 1, 5),
        datetime.date(2031, 2, 1),
    )
    assert Activity.objects.filter(verb="updated", target_id=str(item.pk)).exists()


def test_stale_date_drag_is_a_conflict_and_changes_nothing(team, client, roadmap):
    item = roadmap["b"]
    RoadmapItem.objects.filter(pk=item.pk).update(title="Driver app 2", version=2)
    client.force_login(team.editor)
    response = client.post(
        url("roadmaps:item-dates", team.product.pk, item.pk),
        {"start_date": "2031-01-05", "end_date": "2031-02-01", "version": 1},
    )
    assert response.status_code == 409
    data = response.json()
    assert "not saved" in data["message"]
    assert data["item"]["version"] == 2
    assert data["item"]["start_date"] == item.start_date.isoformat()
    item.refresh_from_db()
    assert item.start_date == TODAY + datetime.timedelta(days=20) and item.version == 2


@pytest.mark.parametrize(
    "data",
    [
        {"start_date": "2031-02-05", "end_date": "2031-02-01", "version": 1},
        {"start_date": "soon", "end_date": "2031-02-01", "version": 1},
        {"start_date": "2031-02-05", "end_date": "2031-03-01"},
    ],
)
def test_bad_date_drag_is_400_json(team, client, roadmap, data):
    client.force_login(team.editor)
    response = client.post(url("roadmaps:item-dates", team.product.pk, roadmap["b"].pk), data)
    assert response.status_code == 400 and "errors" in response.json()
    assert RoadmapItem.objects.get(pk=roadmap["b"].pk).version == 1


def test_viewer_cannot_drag_dates(team, client, roadmap):
    client.force_login(team.viewer)
    response = client.post(
        url("roadmaps:item-dates", team.product.pk, roadmap["b"].pk),
        {"start_date": "2031-01-05", "end_date": "2031-02-01", "version": 1},
    )
    assert response.status_code == 403


# --- Board moves ----------------------------------------------------------------------------


@pytest.fixture
def lane_items(team):
    return [
        RoadmapItemFactory(
            product=team.product, title=f"Card {n}", lane=Lane.NOW, lane_rank=n * 1024
        )
        for n in range(1, 4)
    ]


def lane_titles(product, lane):
    return list(
        RoadmapItem.objects.filter(product=product, lane=lane)
        .order_by("lane_rank", "id")
        .values_list("title", flat=True)
    )


def move(client, team, item, accept_json=True, **data):
    headers = {"HTTP_ACCEPT": "application/json"} if accept_json else {}
    return client.post(url("roadmaps:item-move", team.product.pk, item.pk), data, **headers)


def test_drag_moves_a_card_after_another_and_keeps_the_order(team, client, lane_items):
    one, _, three = lane_items
    client.force_login(team.editor)
    response = move(client, team, one, lane="now", after=three.pk, version=1)
    assert response.status_code == 200 and response.json()["item"]["version"] == 2
    assert lane_titles(team.product, Lane.NOW) == ["Card 2", "Card 3", "Card 1"]
    response = move(client, team, three, lane="now", after="", version=1)
    assert lane_titles(team.product, Lane.NOW) == ["Card 3", "Card 2", "Card 1"]


def test_drag_to_another_lane(team, client, lane_items):
    target = RoadmapItemFactory(product=team.product, title="Later one", lane=Lane.LATER)
    client.force_login(team.editor)
    move(client, team, lane_items[1], lane="later", after=target.pk, version=1)
    assert lane_titles(team.product, Lane.LATER) == ["Later one", "Card 2"]
    assert lane_titles(team.product, Lane.NOW) == ["Card 1", "Card 3"]


def test_stale_move_is_a_conflict_and_moves_nothing(team, client, lane_items):
    one = lane_items[0]
    RoadmapItem.objects.filter(pk=one.pk).update(version=5)
    client.force_login(team.editor)
    response = move(client, team, one, lane="now", after=lane_items[2].pk, version=1)
    assert response.status_code == 409 and "not moved" in response.json()["message"]
    assert lane_titles(team.product, Lane.NOW) == ["Card 1", "Card 2", "Card 3"]


def test_move_after_a_card_of_another_lane_is_400(team, client, lane_items):
    other = RoadmapItemFactory(product=team.product, lane=Lane.LATER)
    client.force_login(team.editor)
    response = move(client, team, lane_items[0], lane="now", after=other.pk, version=1)
    assert response.status_code == 400
    response = move(client, team, lane_items[0], lane="someday", version=1)
    assert response.status_code == 400


def test_keyboard_buttons_move_up_down_and_to_a_lane(team, client, lane_items):
    one, two, three = lane_items
    client.force_login(team.editor)
    response = move(client, team, three, accept_json=False, step="up", version=1)
    assert response.status_code == 302
    assert lane_titles(team.product, Lane.NOW) == ["Card 1", "Card 3", "Card 2"]
    move(client, team, one, accept_json=False, step="down", version=1)
    assert lane_titles(team.product, Lane.NOW) == ["Card 3", "Card 1", "Card 2"]
    RoadmapItemFactory(product=team.product, title="Next one", lane=Lane.NEXT)
    move(client, team, two, accept_json=False, lane="next", version=1)
    assert lane_titles(team.product, Lane.NEXT) == ["Next one", "Card 2"]


def test_viewer_cannot_move(team, client, lane_items):
    client.force_login(team.viewer)
    assert move(client, team, lane_items[0], lane="next", version=1).status_code == 403


# --- Dependencies ---------------------------------------------------------------------------


def add_dependency(client, team, item, other, direction="blocked_by"):
    return client.post(
        url("roadmaps:dependency-add", team.product.pk, item.pk),
        {"direction": direction, "other": other.pk},
    )


def test_editor_adds_and_removes_a_dependency(team, client, roadmap):
    client.force_login(team.editor)
    response = add_dependency(client, team, roadmap["c"], roadmap["b"], direction="blocks")
    assert response.status_code == 302
    dependency = Dependency.objects.get(blocker=roadmap["c"])
    assert dependency.blocked == roadmap["b"]
    page = client.get(url("roadmaps:item", team.product.pk, roadmap["b"].pk)).content.decode()
    assert "Fleet insights" in page and f'data-dialog-open="dep-remove-{dependency.pk}"' in page
    client.post(url("roadmaps:dependency-delete", team.product.pk, dependency.pk), {"version": 1})
    assert not Dependency.objects.filter(pk=dependency.pk).exists()


@pytest.mark.parametrize(
    "case, message",
    [
        ("cycle", "This would make a cycle: “Driver app” → “Routing engine” → “Driver app”"),
        ("self", "An item cannot block itself."),
        ("duplicate", "“Routing engine” already blocks “Driver app”."),
    ],
)
def test_dependency_errors_are_shown_next_to_the_field(team, client, roadmap, case, message):
    client.force_login(team.editor)
    a, b = roadmap["a"], roadmap["b"]
    if case == "cycle":
        response = add_dependency(client, team, a, b)  # b would block a: a → b → a
    elif case == "self":
        response = add_dependency(client, team, a, a)
    else:
        response = add_dependency(client, team, b, a)
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split('id="id_other_error"')[1].split("</div>")[0]
    assert message in error
    assert Dependency.objects.count() == 1


def test_dependency_on_an_item_of_another_product_is_refused(team, client, roadmap):
    foreign = RoadmapItemFactory(product=ProductFactory())
    client.force_login(team.editor)
    response = add_dependency(client, team, roadmap["a"], foreign)
    assert response.status_code == 400
    assert "other" in response.context["dependency_form"].errors
    assert Dependency.objects.count() == 1
