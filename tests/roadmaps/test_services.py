"""The roadmap's workflows: what they refuse, what they write and what they log."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from lodestar.concurrency import VersionConflict
from products.activity import Actor
from products.models import Activity
from roadmaps.models import ChecklistEntry, Lane, ReleaseStatus, RiskStatus, RoadmapItem, Status
from roadmaps.queries import roadmap_for, snapshot_compare_now
from roadmaps.services import (
    checklist_entry_update,
    dependency_create,
    item_create,
    item_move,
    item_update,
    release_readiness,
    release_ship,
    share_link_create,
    share_link_open,
    share_link_revoke,
    snapshot_create,
)
from tests.factories import (
    DependencyFactory,
    ObjectiveFactory,
    ProductFactory,
    ReleaseFactory,
    RiskFactory,
    RoadmapItemFactory,
    TeamFactory,
)

TODAY = datetime.date.today()


@pytest.fixture
def by(team):
    return Actor.task("test", user=team.editor)


def test_item_create_puts_the_item_at_the_end_of_its_lane_and_logs_it(team, by):
    first = RoadmapItemFactory(product=team.product, lane=Lane.NOW, lane_rank=5000)
    item = item_create(by=by, product=team.product, title="Offline sync", lane=Lane.NOW)
    assert item.lane_rank > first.lane_rank
    entry = Activity.objects.get(target_id=str(item.pk), verb="created")
    assert entry.changes["title"] == {"from": None, "to": "Offline sync"}


def test_item_refuses_end_before_start_and_a_team_of_another_product(team, by):
    with pytest.raises(ValidationError) as error:
        item_create(
            by=by,
            product=team.product,
            title="Backwards",
            start_date=TODAY,
            end_date=TODAY - datetime.timedelta(days=1),
        )
    assert "end_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        item_create(by=by, product=team.product, title="Elsewhere", team=TeamFactory())
    assert "another product" in error.value.message_dict["team"][0]
    assert not RoadmapItem.objects.filter(product=team.product).exists()


def test_item_update_with_a_stale_version_changes_nothing(team, by):
    item = RoadmapItemFactory(product=team.product, title="Route optimiser")
    item_update(item=item, by=by, expected_version=1, title="Route optimiser v2")
    stale = RoadmapItem.objects.get(pk=item.pk)
    stale.version = 1
    with pytest.raises(VersionConflict):
        item_update(item=stale, by=by, expected_version=1, title="Lost")
    assert RoadmapItem.objects.get(pk=item.pk).title == "Route optimiser v2"


def test_changing_only_objectives_bumps_the_version_and_logs_the_names(team, by):
    item = RoadmapItemFactory(product=team.product)
    objective = ObjectiveFactory(product=team.product, title="Win mid-size fleets")
    item_update(item=item, by=by, expected_version=1, objectives=[objective])
    assert item.version == 2
    entry = Activity.objects.filter(target_id=str(item.pk)).latest("id")
    assert entry.changes["objectives"] == {"from": [], "to": ["Win mid-size fleets"]}
    with pytest.raises(ValidationError):
        item_update(item=item, by=by, expected_version=2, objectives=[ObjectiveFactory()])


def test_item_move_between_and_within_lanes_keeps_order(team, by):
    a, b, c = (
        RoadmapItemFactory(product=team.product, lane=Lane.NOW, lane_rank=rank)
        for rank in (1024, 2048, 3072)
    )
    moving = RoadmapItemFactory(product=team.product, lane=Lane.NEXT)
    item_move(item=moving, by=by, expected_version=1, lane=Lane.NOW, after=a)
    order = list(RoadmapItem.objects.filter(lane=Lane.NOW).order_by("lane_rank"))
    assert order == [a, moving, b, c]
    item_move(item=moving, by=by, expected_version=2, lane=Lane.NOW, after=None)
    order = list(RoadmapItem.objects.filter(lane=Lane.NOW).order_by("lane_rank"))
    assert order == [moving, a, b, c]
    with pytest.raises(ValidationError):
        item_move(item=moving, by=by, expected_version=3, lane="someday")


def test_repeated_moves_into_one_gap_respread_the_lane_without_losing_order(team, by):
    left = RoadmapItemFactory(product=team.product, lane=Lane.NOW, lane_rank=1.0)
    right = RoadmapItemFactory(product=team.product, lane=Lane.NOW, lane_rank=1.0 + 1e-5)
    moving = RoadmapItemFactory(product=team.product, lane=Lane.NEXT)
    for _ in range(3):
        item_move(item=moving, by=by, expected_version=moving.version, lane=Lane.NOW, after=left)
        item_move(item=moving, by=by, expected_version=moving.version, lane=Lane.NEXT)
    item_move(item=moving, by=by, expected_version=moving.version, lane=Lane.NOW, after=left)
    order = list(RoadmapItem.objects.filter(lane=Lane.NOW).order_by("lane_rank"))
    assert order == [left, moving, right]
    assert RoadmapItem.objects.get(pk=right.pk).version == 1


def test_dependency_cycle_is_refused_naming_the_cycle(team, by):
    api, sync, app = (
        RoadmapItemFactory(product=team.product, title=title)
        for title in ("Routing API", "Offline sync", "Driver app 3.0")
    )
    dependency_create(by=by, product=team.product, blocker=api, blocked=sync)
    dependency_create(by=by, product=team.product, blocker=sync, blocked=app)
    with pytest.raises(ValidationError) as error:
        dependency_create(by=by, product=team.product, blocker=app, blocked=api)
    message = error.value.message_dict["blocked"][0]
    assert "“Driver app 3.0” → “Routing API” → “Offline sync” → “Driver app 3.0”" in message


@pytest.mark.parametrize("case", ["self", "other product", "duplicate"])
def test_dependency_refuses_bad_links(team, by, case):
    item = RoadmapItemFactory(product=team.product)
    other = RoadmapItemFactory(product=team.product)
    DependencyFactory(blocker=item, blocked=other)
    blocker, blocked = {
        "self": (item, item),
        "other product": (item, RoadmapItemFactory(product=ProductFactory())),
        "duplicate": (item, other),
    }[case]
    with pytest.raises(ValidationError):
        dependency_create(by=by, product=team.product, blocker=blocker, blocked=blocked)


def test_items_starting_before_their_blocker_ends_are_flagged(team):
    blocker = RoadmapItemFactory(
        product=team.product, title="Routing API", end_date=TODAY + datetime.timedelta(days=40)
    )
    late = RoadmapItemFactory(product=team.product, start_date=TODAY + datetime.timedelta(days=30))
    fine = RoadmapItemFactory(product=team.product, start_date=TODAY + datetime.timedelta(days=41))
    DependencyFactory(blocker=blocker, blocked=late)
    DependencyFactory(blocker=blocker, blocked=fine)
    roadmap, _ = roadmap_for(team.product, {"q": "item"})  # the blocker itself is filtered out
    flags = {item.pk: item.late_blockers for item in roadmap.items}
    assert [flag.days for flag in flags[late.pk]] == [10]
    assert "Routing API" in flags[late.pk][0].message
    assert flags[fine.pk] == []


def test_readiness_gate_lists_blockers_checklist_and_high_risks(team, by):
    blocker = RoadmapItemFactory(product=team.product, title="Routing API", status=Status.BLOCKED)
    shipped = RoadmapItemFactory(product=team.product, title="Driver app 3.0")
    DependencyFactory(blocker=blocker, blocked=shipped)
    release = ReleaseFactory(product=team.product)
    release.items.add(shipped)
    RiskFactory(product=team.product, title="Map licence", likelihood=4, impact=4).items.add(
        shipped
    )
    RiskFactory(product=team.product, likelihood=1, impact=2).releases.add(release)
    kinds = [problem.kind for problem in release_readiness(release)]
    assert kinds == ["blocker", "checklist", "checklist", "checklist", "checklist", "risk"]

    with pytest.raises(ValidationError):
        release_ship(release=release, by=by, expected_version=1, may_override=False)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PLANNED

    with pytest.raises(ValidationError) as error:
        release_ship(release=release, by=by, expected_version=1, may_override=True)
    assert "override_reason" in error.value.message_dict

    overridden = release_ship(
        release=release,
        by=by,
        expected_version=1,
        may_override=True,
        override_reason="Launch event is booked; docs follow on Monday.",
    )
    assert len(overridden) == 6
    release.refresh_from_db()
    assert release.status == ReleaseStatus.SHIPPED
    entry = Activity.objects.get(target_id=str(release.pk), verb="shipped with override")
    assert entry.changes["override_reason"]["to"].startswith("Launch event")
    assert len(entry.changes["overridden"]["to"]) == 6


def test_a_ready_release_ships_without_override(team, by):
    release = ReleaseFactory(product=team.product)
    for entry in ChecklistEntry.objects.filter(release=release):
        checklist_entry_update(entry=entry, by=by, expected_version=1, done=True)
    RiskFactory(product=team.product, likelihood=5, impact=5, status=RiskStatus.MITIGATED)
    assert release_ship(release=release, by=by, expected_version=1, may_override=False) == []
    assert Activity.objects.filter(target_id=str(release.pk), verb="shipped").exists()


def test_checklist_owner_must_be_a_member(team, by):
    release = ReleaseFactory(product=team.product)
    entry = release.checklist.first()
    with pytest.raises(ValidationError):
        checklist_entry_update(entry=entry, by=by, expected_version=1, owner=team.outsider)


def test_snapshot_compare_shows_slips_pull_ins_lanes_status_added_removed(team, by):
    slipping = RoadmapItemFactory(product=team.product, title="Slipping")
    pulled = RoadmapItemFactory(product=team.product, title="Pulled in")
    moving = RoadmapItemFactory(product=team.product, title="Moving", lane=Lane.LATER)
    removed = RoadmapItemFactory(product=team.product, title="Removed")
    snapshot = snapshot_create(by=by, product=team.product, name="Q3 plan")
    item_update(
        item=slipping,
        by=by,
        expected_version=1,
        end_date=slipping.end_date + datetime.timedelta(days=12),
        status=Status.AT_RISK,
    )
    item_update(
        item=pulled, by=by, expected_version=1, end_date=pulled.end_date - datetime.timedelta(3)
    )
    item_move(item=moving, by=by, expected_version=1, lane=Lane.NOW)
    removed.delete()
    RoadmapItemFactory(product=team.product, title="Added")

    comparison = snapshot_compare_now(snapshot)
    assert [(c.title, c.days) for c in comparison.slipped] == [("Slipping", 12)]
    assert [(c.title, c.days) for c in comparison.pulled_in] == [("Pulled in", 3)]
    assert [c.title for c in comparison.moved_lane] == ["Moving"]
    assert [c.title for c in comparison.changed_status] == ["Slipping"]
    assert [c.title for c in comparison.added] == ["Added"]
    assert [c.title for c in comparison.removed] == ["Removed"]
    with pytest.raises(ValueError):
        snapshot.save()


def test_share_link_token_is_hashed_and_stops_working_when_revoked(team):
    admin = Actor.task("test", user=team.admin)
    link, token = share_link_create(
        by=admin, product=team.product, name="Board review", view="board", filters={"team": 3}
    )
    assert token not in link.token_hash and link.filters == {"team": "3"}
    assert share_link_open(token) == link
    share_link_revoke(link=link, by=admin, expected_version=1)
    assert share_link_open(token) is None
    assert share_link_open("lss_not-a-token") is None
    with pytest.raises(ValidationError):
        share_link_create(by=admin, product=team.product, name="x", view="gantt")
    with pytest.raises(ValidationError):
        share_link_create(
            by=admin, product=team.product, name="x", view="list", filters={"owner": 1}
        )
