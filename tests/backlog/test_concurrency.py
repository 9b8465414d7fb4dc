"""Reranks under real contention (PostgreSQL): people dragging at once all keep their moves."""

import threading

import pytest
from django.db import connection

from backlog import services
from backlog.models import BacklogItem
from products.activity import Actor
from tests.conftest import skip_or_fail
from tests.factories import BacklogItemFactory
from tests.roadmaps.test_concurrency import _run_in_threads

MOVERS = 12


@pytest.mark.django_db(transaction=True)
def test_twelve_people_dropping_items_after_the_same_row_at_once_all_keep_their_moves(team):
    """Each computes the midpoint of the same gap at the same moment; without the product lock
    they would tie or interleave with the wrong neighbours. All twelve must end up between the
    anchor and the row that followed it, and nothing else may move."""
    if connection.vendor != "postgresql":
        skip_or_fail("concurrent reranks need PostgreSQL (set DATABASE_URL)")
    items = BacklogItemFactory.create_batch(40, product=team.product)
    anchor, following = items[5], items[6]
    movers = items[20 : 20 + MOVERS]
    untouched = [item.pk for item in items if item not in movers]
    errors: list[Exception] = []
    lock = threading.Lock()
    start = threading.Barrier(MOVERS)
    by = Actor.task("test", user=team.editor)

    def drag(worker: int) -> None:
        start.wait(timeout=30)
        try:
            services.item_rerank(item=movers[worker], by=by, after=anchor)
        except Exception as error:  # collected: the assertion below says which failed
            with lock:
                errors.append(error)

    _run_in_threads(MOVERS, drag)

    assert errors == []
    order = list(BacklogItem.objects.filter(product=team.product).values_list("pk", flat=True))
    spot = order.index(anchor.pk)
    assert set(order[spot + 1 : spot + 1 + MOVERS]) == {item.pk for item in movers}
    assert order[spot + 1 + MOVERS] == following.pk
    assert [pk for pk in order if pk in untouched] == untouched
    ranks = list(BacklogItem.objects.filter(product=team.product).values_list("rank", flat=True))
    assert len(set(ranks)) == len(ranks)  # no ties left for the next move to trip on
