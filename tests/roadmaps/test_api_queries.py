"""SQL queries of the roadmap API's lists: a constant number, whatever the number of rows."""

import datetime
import itertools

import pytest

from roadmaps.models import Dependency, Insight, RoadmapItem
from tests.conftest import client_for
from tests.factories import (
    InsightFactory,
    KeyResultFactory,
    ObjectiveFactory,
    ReleaseFactory,
    RiskFactory,
    RoadmapItemFactory,
    ShareLinkFactory,
    SnapshotFactory,
    TeamFactory,
)

TODAY = datetime.date.today()


def _roadmap(product, size: int) -> None:
    """``size`` items with a team, an objective, evidence and a late blocker each (but the
    first), so that every per-row lookup the list could make has rows to look up."""
    team = TeamFactory(product=product)
    objective = ObjectiveFactory(product=product)
    items = RoadmapItem.objects.bulk_create(
        RoadmapItem(
            product=product,
            title=f"Item {n}",
            team=team,
            lane_rank=n,
            start_date=TODAY + datetime.timedelta(days=n),
            end_date=TODAY + datetime.timedelta(days=n + 10),
        )
        for n in range(size)
    )
    RoadmapItem.objectives.through.objects.bulk_create(
        RoadmapItem.objectives.through(roadmapitem=item, objective=objective) for item in items
    )
    Dependency.objects.bulk_create(
        Dependency(product=product, blocker=before, blocked=after)
        for before, after in itertools.pairwise(items)
    )
    insight = InsightFactory(product=product)
    Insight.items.through.objects.bulk_create(
        Insight.items.through(insight=insight, roadmapitem=item) for item in items
    )


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("one_product", [True, False])
def test_roadmap_item_list_queries_are_constant(team, django_assert_num_queries, size, one_product):
    _roadmap(team.product, size)
    client = client_for(team.viewer)
    params = {"page_size": 100, **({"product": team.product.pk} if one_product else {})}
    # 1 session, 2 user, 3 the page of items of the caller's products (those visible to them
    # are a subquery, so a page with rows proves ?product= visible), 4 their objectives,
    # insights (counted) and blockers, in one query.
    with django_assert_num_queries(4):
        response = client.get("/api/v1/roadmap-items/", params)
    rows = response.json()["results"]
    assert len(rows) == min(size, 100)
    assert all(row["insight_count"] == 1 and len(row["objectives"]) == 1 for row in rows)
    assert all(len(row["late_blockers"]) == 1 for row in rows[1:])


def test_an_empty_page_checks_the_product_asked_for(team, django_assert_num_queries):
    client = client_for(team.viewer)
    # 1 session, 2 user, 3 the (empty) page, 4 the membership: empty product or invisible one?
    with django_assert_num_queries(4):
        response = client.get("/api/v1/roadmap-items/", {"product": team.product.pk})
    assert response.json()["results"] == []
    outsider = client_for(team.outsider)
    assert outsider.get("/api/v1/roadmap-items/", {"product": team.product.pk}).status_code == 404


def _rows(product, resource: str, size: int) -> None:
    for _ in range(size):
        if resource == "teams":
            TeamFactory(product=product)
        elif resource == "objectives":
            KeyResultFactory(objective=ObjectiveFactory(product=product))
        elif resource == "key-results":
            KeyResultFactory(objective__product=product)
        elif resource == "dependencies":
            blocker = RoadmapItemFactory(product=product)
            Dependency.objects.create(
                product=product, blocker=blocker, blocked=RoadmapItemFactory(product=product)
            )
        elif resource in ("releases", "checklist-entries"):
            ReleaseFactory(product=product).items.set([RoadmapItemFactory(product=product)])
        elif resource == "risks":
            risk = RiskFactory(product=product)
            risk.items.set([RoadmapItemFactory(product=product)])
            risk.releases.set([ReleaseFactory(product=product)])
        elif resource == "insights":
            InsightFactory(product=product).items.set([RoadmapItemFactory(product=product)])
        elif resource == "snapshots":
            RoadmapItemFactory(product=product)
            SnapshotFactory(product=product)
        elif resource == "share-links":
            ShareLinkFactory(product=product)


# Every list: 1 session, 2 user, 3 the page of rows (of the caller's products, a subquery),
# then one query per linked list: objectives' key results; releases' items; risks' items and
# releases; insights' items.
LIST_QUERIES = {
    "teams": 3,
    "objectives": 4,
    "key-results": 3,
    "dependencies": 3,
    "releases": 4,
    "checklist-entries": 3,
    "risks": 5,
    "insights": 4,
    "snapshots": 3,
    "share-links": 3,
}


@pytest.mark.parametrize("resource", LIST_QUERIES)
@pytest.mark.parametrize("size", [2, 12])
def test_list_queries_are_constant(team, django_assert_num_queries, resource, size):
    _rows(team.product, resource, size)
    client = client_for(team.admin)
    with django_assert_num_queries(LIST_QUERIES[resource]):
        response = client.get(f"/api/v1/{resource}/", {"product": team.product.pk})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= size


def test_detail_with_an_unchanged_etag_answers_304_without_shaping(team, django_assert_num_queries):
    item = RoadmapItemFactory(product=team.product)
    client = client_for(team.viewer)
    # 1 session, 2 user, 3 the item, 4 the caller's membership: nothing is shaped for a 304.
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/roadmap-items/{item.pk}/", HTTP_IF_NONE_MATCH='"1"')
    assert response.status_code == 304
