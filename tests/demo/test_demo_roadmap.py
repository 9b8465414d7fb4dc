import datetime
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo import large
from products.models import Activity, Channel, Membership, Product
from roadmaps.models import (
    Dependency,
    Insight,
    Lane,
    Release,
    ReleaseStatus,
    Risk,
    RiskStatus,
    RoadmapItem,
    RoadmapSnapshot,
    Severity,
    Status,
    Team,
)
from roadmaps.queries import roadmap_for, snapshot_compare_now
from roadmaps.services import release_readiness


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--force", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def fleet(db) -> Product:
    seed()
    return Product.objects.get(name="Atlas Fleet Platform")


def test_demo_roadmap_has_about_forty_items_over_three_teams(fleet):
    items = list(RoadmapItem.objects.filter(product=fleet).select_related("team"))
    assert 35 <= len(items) <= 45
    per_team = defaultdict(int)
    for item in items:
        per_team[item.team.name] += 1
    assert len(per_team) == 3
    assert min(per_team.values()) >= 10
    assert Team.objects.filter(product=fleet).count() == 3
    assert len({item.theme for item in items}) >= 4


def test_demo_statuses_agree_with_the_dates(fleet):
    today = timezone.localdate()
    for item in RoadmapItem.objects.filter(product=fleet):
        if item.status == Status.DONE:
            assert item.end_date < today, item
        elif item.status in (Status.IN_PROGRESS, Status.AT_RISK, Status.BLOCKED):
            assert item.start_date <= today <= item.end_date, item
            assert item.lane == Lane.NOW, item
        else:
            assert item.start_date is None or item.start_date > today, item
        if item.start_date is None:
            assert item.lane == Lane.LATER, item


def test_demo_dependencies_cross_teams_and_some_blockers_end_late(fleet):
    dependencies = Dependency.objects.filter(product=fleet).select_related(
        "blocker__team", "blocked__team"
    )
    assert dependencies.count() >= 10
    assert any(dep.blocker.team_id != dep.blocked.team_id for dep in dependencies)
    roadmap, _ = roadmap_for(fleet, {})
    flagged = {item.title for item in roadmap.items if item.late_blockers}
    assert "Customer tracking page with live ETA" in flagged
    assert 2 <= len(flagged) <= 8


def test_demo_has_a_shipped_release_and_an_upcoming_one_not_ready_yet(fleet):
    today = timezone.localdate()
    shipped, upcoming = Release.objects.filter(product=fleet).order_by("date")
    assert shipped.status == ReleaseStatus.SHIPPED and shipped.date < today
    assert shipped.shipped_at < timezone.now() - datetime.timedelta(days=7)
    assert release_readiness(shipped) == []
    assert upcoming.status == ReleaseStatus.PLANNED and upcoming.date > today
    done = [entry.done for entry in upcoming.checklist.all()]
    assert True in done and False in done
    members = set(Membership.objects.filter(product=fleet).values_list("user_id", flat=True))
    for release in (shipped, upcoming):
        assert {entry.owner_id for entry in release.checklist.all()} <= members
    # The gate says why it cannot ship: blockers, the open checklist and an open high risk.
    assert {problem.kind for problem in release_readiness(upcoming)} == {
        "blocker",
        "checklist",
        "risk",
    }
    risk = Risk.objects.get(releases=upcoming)
    assert risk.status == RiskStatus.OPEN and risk.severity == Severity.HIGH


def test_demo_risk_register_spans_severities_and_statuses(fleet):
    risks = list(Risk.objects.filter(product=fleet))
    assert {risk.severity for risk in risks} == set(Severity)
    assert {risk.status for risk in risks} == set(RiskStatus)


def test_demo_insights_quote_named_accounts_with_varying_evidence_per_item(fleet):
    insights = Insight.objects.filter(product=fleet)
    assert insights.count() >= 10
    assert insights.values("account").distinct().count() >= 5
    counts = set(RoadmapItem.objects.for_roadmap(fleet).values_list("insight_count", flat=True))
    assert {0, 1, 2, 3} <= counts


def test_demo_snapshot_from_two_weeks_ago_shows_how_the_plan_moved(fleet):
    snapshot = RoadmapSnapshot.objects.get(product=fleet)
    assert snapshot.created_at.date() == timezone.localdate() - datetime.timedelta(days=14)
    comparison = snapshot_compare_now(snapshot)
    assert comparison.slipped and all(change.days > 0 for change in comparison.slipped)
    assert "Live ETA engine v2" in {change.title for change in comparison.slipped}
    assert comparison.pulled_in
    assert comparison.moved_lane
    assert comparison.changed_status
    assert [change.title for change in comparison.added] == [
        "Accessibility review of the tracking page"
    ]
    assert [change.title for change in comparison.removed] == ["Paper manifest printing"]


def test_demo_activity_reads_as_a_history_written_by_the_seeder(fleet):
    entries = list(Activity.objects.filter(product=fleet).order_by("id"))
    assert len(entries) > 100
    assert {entry.channel for entry in entries} == {Channel.TASK}
    assert {entry.via for entry in entries} == {"seed_demo"}
    times = [entry.created_at for entry in entries]
    assert times == sorted(times), "the log's order by time is the order things happened"
    assert times[0] < timezone.now() - datetime.timedelta(days=60)
    assert times[-1] < timezone.now()
    # Pages that show when a row was created agree with the log.
    item = RoadmapItem.objects.filter(product=fleet).order_by("id").first()
    assert item.created_at < timezone.now() - datetime.timedelta(days=40)


def test_a_database_seeded_before_the_roadmap_gets_it_on_the_next_run(fleet):
    for model in (RoadmapItem, Team, Release, Risk, Insight, RoadmapSnapshot):
        model.objects.filter(product=fleet).delete()
    fleet.objectives.all().delete()
    seed()
    assert RoadmapItem.objects.filter(product=fleet).count() >= 35
    assert RoadmapSnapshot.objects.filter(product=fleet).count() == 1
    seed()
    assert RoadmapSnapshot.objects.filter(product=fleet).count() == 1


def is_acyclic(edges: list[tuple[int, int]]) -> bool:
    """Kahn's algorithm: a graph is acyclic when every node can be taken in topological order."""
    following = defaultdict(list)
    incoming = defaultdict(int)
    nodes = set()
    for source, target in edges:
        following[source].append(target)
        incoming[target] += 1
        nodes |= {source, target}
    ready = [node for node in nodes if incoming[node] == 0]
    taken = 0
    while ready:
        node = ready.pop()
        taken += 1
        for target in following[node]:
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return taken == len(nodes)


def test_is_acyclic_finds_a_cycle():
    assert is_acyclic([(1, 2), (2, 3), (1, 3)])
    assert not is_acyclic([(1, 2), (2, 3), (3, 1)])


def test_large_size_makes_500_items_and_1000_acyclic_dependencies(db):
    output = seed("--size", "large")
    product = large.large_product()
    assert product is not None and str(product.pk) in output
    items = RoadmapItem.objects.filter(product=product)
    assert items.count() == 500
    edges = list(Dependency.objects.filter(product=product).values_list("blocker_id", "blocked_id"))
    assert len(edges) == 1000 == len(set(edges))
    assert is_acyclic(edges)
    assert Team.objects.filter(product=product).count() == 6
    dates = items.exclude(start_date=None).values_list("start_date", flat=True)
    assert (max(dates) - min(dates)).days >= 330
    assert Release.objects.filter(product=product, status=ReleaseStatus.SHIPPED).exists()
    assert Release.objects.filter(product=product, status=ReleaseStatus.PLANNED).exists()
    assert Risk.objects.filter(product=product).count() > 0
    assert Insight.objects.filter(product=product).count() > 0
    roadmap, _ = roadmap_for(product, {})
    assert roadmap.late, "some blockers end after the item they block starts"
    # The demo product is there too, and the demo users can open the benchmark product.
    assert Product.objects.filter(name="Atlas Fleet Platform").exists()
    assert Membership.objects.filter(product=product, user__username="helen").exists()


def test_large_size_twice_generates_one_benchmark_product(db):
    seed("--size", "large")
    counts = (Product.objects.count(), RoadmapItem.objects.count(), Dependency.objects.count())
    output = seed("--size", "large")
    assert "already there" in output
    assert counts == (
        Product.objects.count(),
        RoadmapItem.objects.count(),
        Dependency.objects.count(),
    )
