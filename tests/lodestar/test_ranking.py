"""Gapped ranks: a move writes the moved row only, and a worn-out gap respreads a few rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import BacklogItem
from lodestar.ranking import MIN_GAP, RANK_STEP, rank_after, rank_before
from tests.factories import BacklogItemFactory, ProductFactory


def _order(product) -> list[int]:
    return list(BacklogItem.objects.filter(product=product).values_list("pk", flat=True))


def _updates(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith("UPDATE")]


def _move(item, *, after=None, before=None) -> float:
    others = BacklogItem.objects.filter(product=item.product).exclude(pk=item.pk)
    rank = (
        rank_before(others, "rank", before.pk)
        if before is not None
        else rank_after(others, "rank", after.pk if after else None)
    )
    BacklogItem.objects.filter(pk=item.pk).update(rank=rank)
    return rank


def test_a_move_into_a_gap_takes_the_midpoint_and_writes_nothing_else(db):
    product = ProductFactory()
    first, second, third = BacklogItemFactory.create_batch(3, product=product)
    others = BacklogItem.objects.filter(product=product).exclude(pk=third.pk)
    with CaptureQueriesContext(connection) as queries:
        rank = rank_after(others, "rank", first.pk)
    assert rank == (first.rank + second.rank) / 2
    assert _updates(queries.captured_queries) == []
    # Reading the neighbours costs the same at 3 rows as at 3,000: two indexed lookups.
    assert len(queries.captured_queries) == 2


def test_first_and_last_places_step_beyond_the_ends(db):
    product = ProductFactory()
    first, middle, last = BacklogItemFactory.create_batch(3, product=product)
    others = BacklogItem.objects.filter(product=product).exclude(pk=middle.pk)
    assert rank_after(others, "rank", None) == first.rank - RANK_STEP
    assert rank_before(others, "rank", None) == last.rank + RANK_STEP
    assert rank_before(others, "rank", first.pk) == first.rank - RANK_STEP
    empty = BacklogItem.objects.none()
    assert rank_after(empty, "rank", None) == RANK_STEP


def test_hundreds_of_moves_into_one_spot_keep_the_order_and_respread_only_neighbours(db):
    """Dropping item after item right after the same row halves the same gap each time; when
    it wears out, a small window around it is respread, never the 2,000-row list."""
    product = ProductFactory()
    rows = [BacklogItem(product=product, title=f"Item {n}", rank=(n + 1) * RANK_STEP)
            for n in range(2_000)]  # fmt: skip
    BacklogItem.objects.bulk_create(rows)
    items = list(BacklogItem.objects.filter(product=product))
    anchor = items[1_000]
    expected = [item.pk for item in items]
    most_written = 0
    # Each moved row goes right after the anchor, so the newest is nearest to it.
    for moving in items[1_500:1_700]:
        with CaptureQueriesContext(connection) as queries:
            _move(moving, after=anchor)
        most_written = max(most_written, len(_updates(queries.captured_queries)) - 1)
        expected.remove(moving.pk)
        expected.insert(expected.index(anchor.pk) + 1, moving.pk)
    assert _order(product) == expected
    assert 0 < most_written <= 40


def test_equal_ranks_from_concurrent_moves_are_separated_on_the_next_move(db):
    product = ProductFactory()
    first, second, third, fourth = BacklogItemFactory.create_batch(4, product=product)
    # Two moves computed the same midpoint at once: the rows tie (kept apart by id).
    BacklogItem.objects.filter(pk__in=[second.pk, third.pk]).update(rank=first.rank + 1)
    _move(fourth, after=second)
    assert _order(product) == [first.pk, second.pk, fourth.pk, third.pk]
    ranks = list(BacklogItem.objects.filter(product=product).values_list("rank", flat=True))
    assert all(high - low >= MIN_GAP for low, high in zip(ranks, ranks[1:], strict=False))
