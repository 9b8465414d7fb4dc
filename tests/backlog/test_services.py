"""The backlog's rules, as every page, API call and import meets them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog import services
from backlog.models import (
    BacklogItem,
    ForecastState,
    ItemStatus,
    ItemType,
    RankChange,
    SprintState,
)
from lodestar.concurrency import VersionConflict
from products.activity import Actor
from products.models import Activity, Role
from tests.factories import (
    BacklogItemFactory,
    CriterionFactory,
    ItemDependencyFactory,
    MembershipFactory,
    PrdFactory,
    ProductFactory,
    SprintFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture
def by(team):
    return Actor.task("test", user=team.editor)


def _order(product) -> list[str]:
    return list(BacklogItem.objects.filter(product=product).values_list("title", flat=True))


# --- Items ---------------------------------------------------------------------------------------


def test_a_new_item_goes_to_the_bottom_with_its_scores_labels_and_rendered_description(team, by):
    BacklogItemFactory(product=team.product, title="Already there")
    item = services.item_create(
        by=by,
        product=team.product,
        title="Offline proof of delivery",
        type=ItemType.STORY,
        description="Drivers **sign** on glass.<script>alert(1)</script>",
        labels="mobile, pod mobile",
        reach=800,
        impact=2,
        confidence=80,
        effort=4,
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=8,
    )
    assert _order(team.product) == ["Already there", "Offline proof of delivery"]
    assert item.rice_score == 320.0  # 800 × 2 × 0.8 ÷ 4
    assert item.wsjf_score == 2.0  # (8 + 5 + 3) ÷ 8
    assert item.label_list == ["mobile", "pod"]
    assert "<strong>sign</strong>" in item.description_html
    assert "<script" not in item.description_html


def test_scores_follow_their_inputs_and_vanish_when_one_is_cleared(team, by):
    item = services.item_create(
        by=by, product=team.product, title="Geofence alerts", reach=100, impact=1,
        confidence=50, effort=2,
    )  # fmt: skip
    assert item.rice_score == 25.0
    services.item_update(item=item, by=by, expected_version=item.version, reach=400)
    assert BacklogItem.objects.get(pk=item.pk).rice_score == 100.0
    services.item_update(item=item, by=by, expected_version=item.version, effort=None)
    assert BacklogItem.objects.get(pk=item.pk).rice_score is None


@pytest.mark.parametrize("labels", ["a" * 51, " ".join(f"l{n}" for n in range(21))])
def test_labels_have_limits(team, by, labels):
    with pytest.raises(ValidationError) as error:
        services.item_create(by=by, product=team.product, title="Too labelled", labels=labels)
    assert "labels" in error.value.message_dict


def test_an_item_cannot_be_done_while_a_blocker_is_open(team, by):
    blocker = BacklogItemFactory(product=team.product, title="Carrier API sandbox")
    blocked = BacklogItemFactory(product=team.product, title="Carrier booking")
    ItemDependencyFactory(product=team.product, blocker=blocker, blocked=blocked)
    with pytest.raises(ValidationError) as error:
        services.item_update(item=blocked, by=by, expected_version=1, status=ItemStatus.DONE)
    message = error.value.message_dict["status"][0]
    assert f"#{blocker.pk} “Carrier API sandbox”" in message
    services.item_update(item=blocker, by=by, expected_version=1, status=ItemStatus.DONE)
    services.item_update(item=blocked, by=by, expected_version=1, status=ItemStatus.DONE)
    blocked.refresh_from_db()
    assert blocked.status == ItemStatus.DONE and blocked.done_at is not None
    services.item_update(item=blocked, by=by, expected_version=2, status=ItemStatus.IN_PROGRESS)
    blocked.refresh_from_db()
    assert blocked.done_at is None


def test_a_sprint_holds_only_its_teams_items(team, by):
    routing, tracking = TeamFactory(product=team.product), TeamFactory(product=team.product)
    sprint = SprintFactory(team=routing)
    item = BacklogItemFactory(product=team.product, team=tracking)
    with pytest.raises(ValidationError) as error:
        services.item_update(item=item, by=by, expected_version=1, sprint=sprint)
    assert "sprint" in error.value.message_dict
    unassigned = BacklogItemFactory(product=team.product)
    services.item_update(item=unassigned, by=by, expected_version=1, sprint=sprint)
    unassigned.refresh_from_db()
    assert unassigned.team == routing  # planning it into a sprint gives it the sprint's team
    services.item_update(item=unassigned, by=by, expected_version=2, team=tracking)
    unassigned.refresh_from_db()
    assert unassigned.sprint is None  # leaving the team leaves its sprint


def test_a_closed_sprint_takes_no_new_items(team, by):
    sprint = SprintFactory(team=TeamFactory(product=team.product), state=SprintState.CLOSED)
    item = BacklogItemFactory(product=team.product)
    with pytest.raises(ValidationError, match="closed"):
        services.item_update(item=item, by=by, expected_version=1, sprint=sprint)


def test_links_stay_inside_the_product(team, by):
    elsewhere = ProductFactory()
    criterion = CriterionFactory(prd=PrdFactory(product=elsewhere))
    with pytest.raises(ValidationError) as error:
        services.item_create(by=by, product=team.product, title="X", criteria=[criterion])
    assert "criteria" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.item_create(
            by=by, product=team.product, title="X", team=TeamFactory(product=elsewhere)
        )


def test_the_assignee_is_a_member_who_can_edit_items(team, by):
    with pytest.raises(ValidationError, match="not a member"):
        services.item_create(by=by, product=team.product, title="X", assignee=team.outsider)
    with pytest.raises(ValidationError, match="viewer"):
        services.item_create(by=by, product=team.product, title="X", assignee=team.viewer)
    item = services.item_create(by=by, product=team.product, title="X", assignee=team.contributor)
    assert item.assignee == team.contributor


def test_contributors_change_only_status_estimate_assignee_and_sprint():
    services.check_fields_for_role(Role.CONTRIBUTOR, ["status", "estimate", "sprint", "assignee"])
    with pytest.raises(PermissionDenied, match="title"):
        services.check_fields_for_role(Role.CONTRIBUTOR, ["status", "title"])
    services.check_fields_for_role(Role.EDITOR, ["title", "team", "rank"])


# --- Rerank --------------------------------------------------------------------------------------


def test_a_rerank_writes_the_moved_row_only(team, by):
    first, second, third, fourth = BacklogItemFactory.create_batch(4, product=team.product)
    with CaptureQueriesContext(connection) as queries:
        services.item_rerank(item=fourth, by=by, after=first)
    item_updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "backlog_backlogitem"')
    ]
    assert len(item_updates) == 1
    assert _order(team.product) == [first.title, fourth.title, second.title, third.title]
    services.item_rerank(item=first, by=by, before=None, after=third)
    assert _order(team.product) == [fourth.title, second.title, third.title, first.title]
    services.item_rerank(item=first, by=by, before=fourth)
    assert _order(team.product)[0] == first.title


def test_a_rerank_marks_forecasts_stale_and_is_logged(team, by):
    first, second = BacklogItemFactory.create_batch(2, product=team.product)
    ForecastState.objects.create(product=team.product, stale=False)
    services.item_rerank(item=second, by=by, before=first)
    assert ForecastState.objects.get(product=team.product).stale
    assert Activity.objects.filter(product=team.product, verb="reranked").exists()


def test_a_rerank_names_exactly_one_neighbour_of_the_same_product(team, by):
    first, second = BacklogItemFactory.create_batch(2, product=team.product)
    with pytest.raises(ValidationError):
        services.item_rerank(item=first, by=by)
    with pytest.raises(ValidationError):
        services.item_rerank(item=first, by=by, before=second, after=second)
    with pytest.raises(ValidationError, match="itself"):
        services.item_rerank(item=first, by=by, after=first)
    with pytest.raises(ValidationError, match="another product"):
        services.item_rerank(item=first, by=by, after=BacklogItemFactory())


def test_a_rerank_at_a_stale_version_is_refused_and_without_one_applies(team, by):
    first, second = BacklogItemFactory.create_batch(2, product=team.product)
    services.item_update(item=second, by=by, expected_version=1, estimate=8)
    with pytest.raises(VersionConflict):
        services.item_rerank(item=second, by=by, expected_version=1, before=first)
    services.item_rerank(item=second, by=by, before=first)
    second.refresh_from_db()
    assert _order(team.product) == [second.title, first.title]
    assert (second.estimate, second.version) == (8, 3)


def test_two_reranks_into_the_same_spot_both_keep_their_moves(team, by):
    """Both were computed against the same neighbours; the product lock makes the second see
    the first, so both land right after the anchor."""
    anchor, following, one, two = BacklogItemFactory.create_batch(4, product=team.product)
    services.item_rerank(item=one, by=by, after=anchor)
    services.item_rerank(item=two, by=by, after=anchor)
    assert _order(team.product) == [anchor.title, two.title, one.title, following.title]


# --- Score order ---------------------------------------------------------------------------------


def test_score_order_reranks_the_filtered_items_within_their_own_slots_and_undoes(team, by):
    api, ui = TeamFactory(product=team.product), TeamFactory(product=team.product)
    BacklogItemFactory(product=team.product, team=api, title="low", rice_score=10)
    BacklogItemFactory(product=team.product, team=ui, title="other team", rice_score=99)
    BacklogItemFactory(product=team.product, team=api, title="unscored")
    BacklogItemFactory(product=team.product, team=api, title="high", rice_score=50)
    before = _order(team.product)
    change = services.apply_score_order(
        by=by,
        product=team.product,
        items=BacklogItem.objects.filter(team=api),
        score="rice",
    )
    # The other team's item keeps its place; the unscored one follows the scored ones.
    assert _order(team.product) == ["high", "other team", "low", "unscored"]
    assert change.description == "Ordered 3 items by RICE score"
    assert services.apply_score_order(
        by=by, product=team.product, items=BacklogItem.objects.filter(team=api), score="rice"
    ) is None  # fmt: skip
    services.rank_change_undo(by=by, change=change)
    assert _order(team.product) == before
    with pytest.raises(ValidationError, match="already been undone"):
        services.rank_change_undo(by=by, change=change)


def test_only_the_latest_score_order_can_be_undone(team, by):
    a = BacklogItemFactory(product=team.product, rice_score=1, wsjf_score=3)
    b = BacklogItemFactory(product=team.product, rice_score=2, wsjf_score=1)
    c = BacklogItemFactory(product=team.product, rice_score=3, wsjf_score=2)
    everything = BacklogItem.objects.filter(pk__in=[a.pk, b.pk, c.pk])
    first = services.apply_score_order(by=by, product=team.product, items=everything, score="rice")
    services.apply_score_order(by=by, product=team.product, items=everything, score="wsjf")
    with pytest.raises(ValidationError, match="latest"):
        services.rank_change_undo(by=by, change=first)
    assert RankChange.objects.filter(product=team.product, undone_at=None).count() == 2


def test_score_order_needs_a_known_score(team, by):
    with pytest.raises(ValidationError):
        services.apply_score_order(
            by=by, product=team.product, items=BacklogItem.objects.all(), score="moscow"
        )


# --- Dependencies --------------------------------------------------------------------------------


def test_dependencies_refuse_cycles_naming_them(team, by):
    a, b, c = (BacklogItemFactory(product=team.product, title=t) for t in ("Auth", "API", "UI"))
    services.dependency_create(by=by, product=team.product, blocker=a, blocked=b)
    services.dependency_create(by=by, product=team.product, blocker=b, blocked=c)
    with pytest.raises(ValidationError) as error:
        services.dependency_create(by=by, product=team.product, blocker=c, blocked=a)
    message = error.value.message_dict["blocked"][0]
    assert "cycle" in message and "“UI”" in message and "“Auth”" in message
    with pytest.raises(ValidationError, match="already blocks"):
        services.dependency_create(by=by, product=team.product, blocker=a, blocked=b)
    with pytest.raises(ValidationError, match="itself"):
        services.dependency_create(by=by, product=team.product, blocker=a, blocked=a)
    with pytest.raises(ValidationError, match="another product"):
        services.dependency_create(
            by=by, product=team.product, blocker=a, blocked=BacklogItemFactory()
        )


# --- Sprints -------------------------------------------------------------------------------------


def _sprint_with_work(team_row):
    today = datetime.date.today()
    sprint = SprintFactory(
        team=team_row, name="Sprint 14", start_date=today - datetime.timedelta(days=13),
        end_date=today, state=SprintState.ACTIVE,
    )  # fmt: skip
    done = BacklogItemFactory(
        product=team_row.product, team=team_row, sprint=sprint, estimate=5, status="done"
    )
    open_ = BacklogItemFactory(
        product=team_row.product, team=team_row, sprint=sprint, estimate=3, status="in_progress"
    )
    return sprint, done, open_


def test_closing_a_sprint_records_its_velocity_and_carries_unfinished_work_over(team, by):
    routing = TeamFactory(product=team.product)
    sprint, done, unfinished = _sprint_with_work(routing)
    following = SprintFactory(
        team=routing, name="Sprint 15", start_date=sprint.end_date + datetime.timedelta(days=1)
    )
    result = services.sprint_close(sprint=sprint, by=by, expected_version=1)
    assert result == {"committed": 8, "completed": 5, "carried_over": 3, "moved_items": 1}
    sprint.refresh_from_db()
    assert (sprint.state, sprint.committed_points, sprint.completed_points) == ("closed", 8, 5)
    assert sprint.carried_over_points == 3 and sprint.closed_at is not None
    unfinished.refresh_from_db()
    done.refresh_from_db()
    assert unfinished.sprint == following and done.sprint == sprint
    with pytest.raises(ValidationError, match="already closed"):
        services.sprint_close(sprint=sprint, by=by, expected_version=sprint.version)


def test_closing_can_send_unfinished_work_back_to_the_backlog(team, by):
    routing = TeamFactory(product=team.product)
    sprint, _, unfinished = _sprint_with_work(routing)
    SprintFactory(team=routing, name="Sprint 15")
    services.sprint_close(sprint=sprint, by=by, expected_version=1, carry_to_backlog=True)
    unfinished.refresh_from_db()
    assert unfinished.sprint is None and unfinished.team == routing


def test_closing_refuses_a_stale_version_and_another_teams_sprint(team, by):
    routing = TeamFactory(product=team.product)
    sprint, _, _ = _sprint_with_work(routing)
    with pytest.raises(VersionConflict):
        services.sprint_close(sprint=sprint, by=by, expected_version=7)
    elsewhere = SprintFactory(team=TeamFactory(product=team.product))
    with pytest.raises(ValidationError, match="another sprint of the team"):
        services.sprint_close(sprint=sprint, by=by, expected_version=1, carry_to=elsewhere)


def test_sprint_rules(team, by):
    routing = TeamFactory(product=team.product)
    today = datetime.date.today()
    with pytest.raises(ValidationError, match="ends on or after"):
        services.sprint_create(
            by=by, product=team.product, team=routing, name="Backwards",
            start_date=today, end_date=today - datetime.timedelta(days=1),
        )  # fmt: skip
    sprint = services.sprint_create(
        by=by, product=team.product, team=routing, name="Sprint 1",
        start_date=today, end_date=today + datetime.timedelta(days=13),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already has a sprint"):
        services.sprint_create(
            by=by, product=team.product, team=routing, name="Sprint 1",
            start_date=today, end_date=today,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="Close sprint"):
        services.sprint_update(sprint=sprint, by=by, expected_version=1, state="closed")
    start, end = services.sprint_default_dates(routing)
    assert start == today + datetime.timedelta(days=14) and (end - start).days == 13


def test_a_member_who_left_cannot_be_assigned_again(team, by):
    engineer = UserFactory()
    membership = MembershipFactory(product=team.product, user=engineer, role=Role.CONTRIBUTOR)
    services.item_create(by=by, product=team.product, title="X", assignee=engineer)
    membership.delete()
    with pytest.raises(ValidationError):
        services.item_create(by=by, product=team.product, title="Y", assignee=engineer)
