"""The snapshot pages: who may list, take, compare and delete baselines, and what the compare
view shows of a roadmap that moved since."""

import datetime
import re

import pytest
from django.urls import reverse

from products.models import Activity
from roadmaps.models import Lane, RoadmapItem, RoadmapSnapshot, Status
from tests.factories import ProductFactory, RoadmapItemFactory, SnapshotFactory, TeamFactory
from tests.roadmaps.pages import CALLERS, expected_status, log_in

D = datetime.date


def _main(page: str) -> str:
    """The page's own content, without the sidebar and the user menu."""
    return re.search(r"<main .*?</main>", page, re.S).group(0)


def _call(client, team, operation: str, snapshot: RoadmapSnapshot):
    product = team.product
    calls = {
        "list": lambda: client.get(reverse("roadmaps:snapshots", args=[product.pk])),
        "create": lambda: client.post(
            reverse("roadmaps:snapshots", args=[product.pk]), {"name": "Q3 plan"}
        ),
        "compare": lambda: client.get(reverse("roadmaps:snapshot", args=[product.pk, snapshot.pk])),
        "delete": lambda: client.post(
            reverse("roadmaps:snapshot-delete", args=[product.pk, snapshot.pk])
        ),
    }
    return calls[operation]()


# operation -> (minimum role, success status)
OPERATIONS = {
    "list": ("viewer", 200),
    "create": ("editor", 302),
    "compare": ("viewer", 200),
    "delete": ("admin", 302),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_snapshot_page_role_matrix(team, client, caller, operation):
    RoadmapItemFactory(product=team.product)
    snapshot = SnapshotFactory(product=team.product, name="Kickoff")
    log_in(client, team, caller)
    response = _call(client, team, operation, snapshot)
    minimum, ok = OPERATIONS[operation]
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected_status(caller, minimum, ok)


@pytest.mark.parametrize("caller", ["contributor", "viewer", "outsider", "anonymous"])
def test_refused_snapshot_writes_change_nothing(team, client, caller):
    snapshot = SnapshotFactory(product=team.product, name="Kickoff")
    log_in(client, team, caller)
    _call(client, team, "create", snapshot)
    _call(client, team, "delete", snapshot)
    assert list(RoadmapSnapshot.objects.values_list("name", flat=True)) == ["Kickoff"]


def test_editor_cannot_delete_a_snapshot(team, client):
    snapshot = SnapshotFactory(product=team.product)
    client.force_login(team.editor)
    assert _call(client, team, "delete", snapshot).status_code == 403
    assert RoadmapSnapshot.objects.filter(pk=snapshot.pk).exists()


def test_editor_freezes_the_roadmap_under_a_name(team, client):
    routing = TeamFactory(product=team.product, name="Routing")
    RoadmapItemFactory(product=team.product, title="Live ETA", team=routing)
    RoadmapItemFactory(product=team.product, title="Driver app")
    client.force_login(team.editor)
    response = client.post(
        reverse("roadmaps:snapshots", args=[team.product.pk]), {"name": "  Q3 plan  "}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("roadmaps:snapshots", args=[team.product.pk])
    snapshot = RoadmapSnapshot.objects.get(product=team.product)
    assert snapshot.name == "Q3 plan"
    assert snapshot.created_by == team.editor
    assert sorted(row["title"] for row in snapshot.items) == ["Driver app", "Live ETA"]
    assert Activity.objects.filter(product=team.product, verb="created").exists()

    page = client.get(response["Location"]).content.decode()
    assert "Saved snapshot “Q3 plan” of 2 items." in page
    row = re.search(r'<tr id="snapshot-\d+">.*?</tr>', page, re.S).group(0)
    assert "Q3 plan" in row
    assert ">2</td>" in row
    assert team.editor.get_full_name() in row


def test_snapshot_without_a_name_is_refused_next_to_the_field(team, client):
    client.force_login(team.editor)
    response = client.post(reverse("roadmaps:snapshots", args=[team.product.pk]), {"name": "  "})
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert 'id="id_name_error"' in response.content.decode()
    assert not RoadmapSnapshot.objects.exists()


def test_overlong_snapshot_name_is_a_field_error(team, client):
    client.force_login(team.editor)
    response = client.post(
        reverse("roadmaps:snapshots", args=[team.product.pk]), {"name": "x" * 121}
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors


def test_empty_list_says_what_snapshots_are_for(team, client):
    client.force_login(team.viewer)
    page = client.get(reverse("roadmaps:snapshots", args=[team.product.pk])).content.decode()
    assert "No snapshots yet" in page
    assert "by how many days" in page


@pytest.mark.parametrize(
    ("role", "form", "delete"),
    [("viewer", False, False), ("editor", True, False), ("admin", True, True)],
)
def test_list_shows_each_role_only_its_controls(team, client, role, form, delete):
    SnapshotFactory(product=team.product, name="Kickoff")
    client.force_login(team.user(role))
    page = client.get(reverse("roadmaps:snapshots", args=[team.product.pk])).content.decode()
    assert ("Freeze the roadmap" in page) is form
    assert ("Delete snapshot" in page) is delete
    if delete:
        assert "This cannot be undone." in page


def test_snapshots_have_no_edit_anywhere(team, client):
    snapshot = SnapshotFactory(product=team.product, name="Kickoff")
    client.force_login(team.admin)
    compare_url = reverse("roadmaps:snapshot", args=[team.product.pk, snapshot.pk])
    assert client.post(compare_url, {"name": "Renamed"}).status_code == 405
    main = _main(client.get(compare_url).content.decode())
    assert 'method="post"' not in main
    listing = _main(
        client.get(reverse("roadmaps:snapshots", args=[team.product.pk])).content.decode()
    )
    actions = set(re.findall(r'<form method="post"(?: [^>]*)? action="([^"]+)"', listing))
    assert actions == {reverse("roadmaps:snapshot-delete", args=[team.product.pk, snapshot.pk])}
    snapshot.refresh_from_db()
    assert snapshot.name == "Kickoff"


def test_admin_deletes_a_snapshot(team, client):
    snapshot = SnapshotFactory(product=team.product, name="Kickoff")
    client.force_login(team.admin)
    response = client.post(reverse("roadmaps:snapshot-delete", args=[team.product.pk, snapshot.pk]))
    assert response.status_code == 302
    assert not RoadmapSnapshot.objects.exists()
    assert Activity.objects.filter(product=team.product, verb="deleted").exists()


def test_snapshot_of_another_product_is_not_found_through_this_one(team, client):
    elsewhere = SnapshotFactory(product=ProductFactory(), name="Theirs")
    client.force_login(team.admin)
    compare = reverse("roadmaps:snapshot", args=[team.product.pk, elsewhere.pk])
    delete = reverse("roadmaps:snapshot-delete", args=[team.product.pk, elsewhere.pk])
    assert client.get(compare).status_code == 404
    assert client.post(delete).status_code == 404
    assert RoadmapSnapshot.objects.filter(pk=elsewhere.pk).exists()


# --- Compare ------------------------------------------------------------------------------------


@pytest.fixture
def moved_roadmap(team):
    """A roadmap and a snapshot of it, then one of every kind of change since."""
    product = team.product
    routing = TeamFactory(product=product, name="Routing")

    def item(title, **values):
        values = {
            "start_date": D(2025, 7, 1),
            "end_date": D(2025, 8, 1),
            "lane": Lane.NEXT,
            "status": Status.PLANNED,
            "team": routing,
            **values,
        }
        return RoadmapItemFactory(product=product, title=title, **values)

    items = {
        "small slip": item("Small slip"),
        "big slip": item("Big slip"),
        "pulled in": item("Pulled in"),
        "removed": item("Removed item"),
        "lane": item("Lane mover"),
        "status": item("Status changer"),
        "steady": item("Steady"),
    }
    snapshot = SnapshotFactory(product=product, name="Q3 plan", created_by=team.editor)
    RoadmapItem.objects.filter(pk=items["small slip"].pk).update(end_date=D(2025, 8, 4))
    RoadmapItem.objects.filter(pk=items["big slip"].pk).update(end_date=D(2025, 8, 13))
    RoadmapItem.objects.filter(pk=items["pulled in"].pk).update(end_date=D(2025, 7, 25))
    RoadmapItem.objects.filter(pk=items["lane"].pk).update(lane=Lane.NOW)
    RoadmapItem.objects.filter(pk=items["status"].pk).update(status=Status.AT_RISK)
    RoadmapItem.objects.filter(pk=items["removed"].pk).delete()
    items["added"] = item("Brand new")
    return snapshot, items


def _section(page: str, key: str) -> str:
    match = re.search(rf'<section class="card compare-section" id="{key}".*?</section>', page, re.S)
    assert match, f"no {key} section"
    return match.group(0)


def test_compare_shows_every_kind_of_change(team, client, moved_roadmap):
    snapshot, items = moved_roadmap
    client.force_login(team.viewer)
    response = client.get(reverse("roadmaps:snapshot", args=[team.product.pk, snapshot.pk]))
    assert response.status_code == 200
    page = response.content.decode()

    slipped = _section(page, "slipped")
    assert "+12 days" in slipped
    assert "+3 days" in slipped
    assert slipped.index("Big slip") < slipped.index("Small slip")  # biggest first
    assert re.search(r"1 Aug 2025</span>.*?→.*?13 Aug 2025", slipped, re.S)
    assert "Steady" not in slipped

    pulled = _section(page, "pulled_in")
    assert "Pulled in" in pulled
    assert "−7 days" in pulled

    added = _section(page, "added")
    assert "Brand new" in added
    url = reverse("roadmaps:item", args=[team.product.pk, items["added"].pk])
    assert f'href="{url}"' in added

    removed = _section(page, "removed")
    assert "Removed item" in removed
    gone = reverse("roadmaps:item", args=[team.product.pk, items["removed"].pk])
    assert gone not in page

    lane = _section(page, "moved_lane")
    assert re.search(r"Next</span>.*?→.*?Now</span>", lane, re.S)

    status = _section(page, "changed_status")
    assert 'badge-status-planned">Planned</span>' in status
    assert 'badge-status-at_risk">At risk</span>' in status
    assert "Steady" not in page


def test_compare_summary_counts_each_kind_of_change(team, client, moved_roadmap):
    snapshot, _ = moved_roadmap
    client.force_login(team.viewer)
    page = client.get(
        reverse("roadmaps:snapshot", args=[team.product.pk, snapshot.pk])
    ).content.decode()
    summary = re.search(r'<nav class="compare-summary".*?</nav>', page, re.S).group(0)
    pairs = re.findall(
        r'compare-stat-number">(\d+)</span>\s*<span class="compare-stat-label">([^<]+)<', summary
    )
    counts = {label: int(number) for number, label in pairs}
    assert counts == {
        "Slipped": 2,
        "Pulled in": 1,
        "Added": 1,
        "Removed": 1,
        "Moved lane": 1,
        "Changed status": 1,
    }


def test_compare_of_an_unchanged_roadmap_says_nothing_changed(team, client):
    RoadmapItemFactory(product=team.product, end_date=D(2025, 8, 1), start_date=D(2025, 7, 1))
    snapshot = SnapshotFactory(product=team.product)
    client.force_login(team.viewer)
    page = client.get(
        reverse("roadmaps:snapshot", args=[team.product.pk, snapshot.pk])
    ).content.decode()
    assert "Nothing changed since this snapshot" in page
    assert "compare-section" not in page


def test_compare_selector_goes_to_the_chosen_snapshot(team, client):
    first = SnapshotFactory(product=team.product, name="First")
    second = SnapshotFactory(product=team.product, name="Second")
    client.force_login(team.viewer)
    url = reverse("roadmaps:snapshot", args=[team.product.pk, first.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{second.pk}">Second' in page
    response = client.get(url, {"against": second.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("roadmaps:snapshot", args=[team.product.pk, second.pk])


@pytest.mark.parametrize("against", ["abc", "9" * 40, ""])
def test_compare_selector_ignores_what_is_not_an_id(team, client, against):
    snapshot = SnapshotFactory(product=team.product)
    client.force_login(team.viewer)
    url = reverse("roadmaps:snapshot", args=[team.product.pk, snapshot.pk])
    assert client.get(url, {"against": against}).status_code == 200


def test_compare_selector_cannot_reach_another_products_snapshot(team, client):
    mine = SnapshotFactory(product=team.product)
    theirs = SnapshotFactory(product=ProductFactory())
    client.force_login(team.viewer)
    url = reverse("roadmaps:snapshot", args=[team.product.pk, mine.pk])
    assert client.get(url, {"against": theirs.pk}).status_code == 404


@pytest.mark.parametrize("size", [5, 60])
def test_compare_page_query_count_is_constant(team, client, django_assert_num_queries, size):
    routing = TeamFactory(product=team.product)
    items = RoadmapItemFactory.create_batch(
        size, product=team.product, team=routing, start_date=D(2025, 7, 1), end_date=D(2025, 8, 1)
    )
    snapshot = SnapshotFactory(product=team.product, created_by=team.editor)
    SnapshotFactory.create_batch(3, product=team.product)
    RoadmapItem.objects.filter(pk__in=[item.pk for item in items[::2]]).update(
        end_date=D(2025, 9, 1), status=Status.AT_RISK
    )
    client.force_login(team.viewer)
    # session, user, membership+product, the snapshot with its author, today's items with
    # their teams, the snapshots for the selector, the sidebar's product switcher
    with django_assert_num_queries(7):
        response = client.get(reverse("roadmaps:snapshot", args=[team.product.pk, snapshot.pk]))
    assert response.content.decode().count("days-slipped") == len(items[::2])


@pytest.mark.parametrize("size", [3, 40])
def test_snapshot_list_query_count_is_constant(team, client, django_assert_num_queries, size):
    RoadmapItemFactory.create_batch(5, product=team.product)
    SnapshotFactory.create_batch(size, product=team.product, created_by=team.editor)
    client.force_login(team.admin)
    # session, user, membership+product, snapshots with their authors, product switcher
    with django_assert_num_queries(5):
        response = client.get(reverse("roadmaps:snapshots", args=[team.product.pk]))
    assert response.content.decode().count('<tr id="snapshot-') == size
