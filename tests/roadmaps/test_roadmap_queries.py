"""The timeline, board and list pages run the same, small number of SQL queries whatever the size
of the roadmap: 10 items or 500 items with 1,000 dependencies."""

import datetime
import random

import pytest
from django.urls import reverse

from roadmaps.models import Dependency, Insight, Lane, RoadmapItem, Status
from tests.factories import InsightFactory, ObjectiveFactory, ReleaseFactory, TeamFactory

TODAY = datetime.date.today()


def build_roadmap(product, items: int, dependencies: int) -> None:
    """``items`` items over three teams, themes, lanes and statuses, with ``dependencies``
    edges (always from an earlier item to a later one, so there is no cycle)."""
    rng = random.Random(items)
    teams = [TeamFactory(product=product, name=f"Team {n}") for n in range(3)]
    objectives = [ObjectiveFactory(product=product) for _ in range(3)]
    releases = [ReleaseFactory(product=product) for _ in range(2)]
    rows = []
    for n in range(items):
        start = TODAY + datetime.timedelta(days=rng.randint(-90, 270))
        length = datetime.timedelta(days=rng.randint(5, 90))
        rows.append(
            RoadmapItem(
                product=product,
                title=f"Item {n} with a realistic title",
                status=rng.choice(Status.values),
                lane=rng.choice(Lane.values),
                lane_rank=n * 1024.0,
                start_date=None if n % 25 == 0 else start,
                end_date=None if n % 25 == 0 else start + length,
                team=teams[n % 3] if n % 7 else None,
                theme=["Drivers", "Dispatch", ""][n % 3],
            )
        )
    created = RoadmapItem.objects.bulk_create(rows)
    links = []
    through = RoadmapItem.objectives.through
    for index, item in enumerate(created):
        links.append(through(roadmapitem_id=item.pk, objective_id=objectives[index % 3].pk))
    through.objects.bulk_create(links)
    releases[0].items.add(*created[: items // 4])
    releases[1].items.add(*created[items // 4 : items // 2])
    edges = set()
    while len(edges) < dependencies:
        a, b = sorted(rng.sample(range(items), 2))
        edges.add((a, b))
    Dependency.objects.bulk_create(
        Dependency(product=product, blocker=created[a], blocked=created[b]) for a, b in edges
    )
    insight = InsightFactory(product=product)
    insight.items.add(*created[::3])
    assert Insight.objects.filter(product=product).count() == 1


# session, user, membership + product, the sidebar's product switcher, items (with team and
# insight count), dependencies (with the blocker's end date and title), teams, themes,
# releases, objectives (for the filter bar)
PAGE_QUERIES = 10


@pytest.mark.parametrize("name", ["roadmaps:timeline", "roadmaps:board", "roadmaps:list"])
@pytest.mark.parametrize("size, dependencies", [(10, 12), (500, 1000)])
def test_roadmap_views_run_a_constant_number_of_queries(
    team, client, django_assert_num_queries, name, size, dependencies
):
    build_roadmap(team.product, size, dependencies)
    client.force_login(team.editor)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(reverse(name, args=[team.product.pk]))
    assert response.status_code == 200
    assert "Item 1 with a realistic title" in response.content.decode()


@pytest.mark.parametrize("size, dependencies", [(10, 12), (500, 1000)])
def test_filtered_views_run_the_same_number_of_queries(
    team, client, django_assert_num_queries, size, dependencies
):
    build_roadmap(team.product, size, dependencies)
    client.force_login(team.viewer)
    objective = team.product.objectives.first()
    query = f"?status=planned&objective={objective.pk}&q=item&group=theme&zoom=quarter"
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(reverse("roadmaps:timeline", args=[team.product.pk]) + query)
    assert response.status_code == 200


@pytest.mark.parametrize("size, dependencies", [(10, 12), (500, 1000)])
def test_htmx_filter_swap_skips_the_filter_bar_queries(
    team, client, django_assert_num_queries, size, dependencies
):
    build_roadmap(team.product, size, dependencies)
    client.force_login(team.editor)
    # As above, without the switcher and the filter bar's objectives (not re-rendered).
    with django_assert_num_queries(PAGE_QUERIES - 2):
        response = client.get(
            reverse("roadmaps:board", args=[team.product.pk]) + "?lane=now",
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
