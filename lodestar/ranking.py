"""Order kept as gapped keys: moving one row writes one row.

A list's rows carry a float rank, ordered by (rank, id). A row moved between two neighbours
takes the rank halfway between theirs, found with two small indexed reads whatever the list's
length. Only when that gap has worn out (after about forty moves into the same spot, or when
two concurrent moves chose the same rank) is a small window of neighbours around it spread
evenly again: a handful of rows, not the list. Those ranks are written with a plain UPDATE and
no version bump, so a colleague editing one of them is not told it conflicted; their order does
not change.
"""

from django.db import models
from django.db.models import Q

RANK_STEP = 1024.0
# Below this the midpoint of two doubles of the sizes used here stops being exact enough.
MIN_GAP = 1e-6
# Neighbours on each side spread on the first try; the window grows fourfold while too tight.
WINDOW = 4

Row = tuple[int, float]


def _later(field: str, row: Row) -> Q:
    return Q(**{f"{field}__gt": row[1]}) | Q(**{field: row[1], "pk__gt": row[0]})


def _earlier(field: str, row: Row) -> Q:
    return Q(**{f"{field}__lt": row[1]}) | Q(**{field: row[1], "pk__lt": row[0]})


def _row(siblings: models.QuerySet, field: str, pk: int) -> Row:
    return siblings.filter(pk=pk).values_list("pk", field).get()


def rank_after(siblings: models.QuerySet, field: str, after_pk: int | None) -> float:
    """The rank that puts a row right after the sibling ``after_pk`` (first when None) among
    ``siblings`` (the list without the moving row), ordered by ``field`` then id."""
    ordered = siblings.order_by(field, "id").values_list("pk", field)
    if after_pk is None:
        return _between(siblings, field, None, ordered.first())
    low = _row(siblings, field, after_pk)
    return _between(siblings, field, low, ordered.filter(_later(field, low)).first())


def rank_before(siblings: models.QuerySet, field: str, before_pk: int | None) -> float:
    """The rank that puts a row right before the sibling ``before_pk`` (last when None)."""
    backwards = siblings.order_by(f"-{field}", "-id").values_list("pk", field)
    if before_pk is None:
        return _between(siblings, field, backwards.first(), None)
    high = _row(siblings, field, before_pk)
    return _between(siblings, field, backwards.filter(_earlier(field, high)).first(), high)


def _between(siblings: models.QuerySet, field: str, low: Row | None, high: Row | None) -> float:
    if low is None and high is None:
        return RANK_STEP
    if low is None:
        return high[1] - RANK_STEP
    if high is None:
        return low[1] + RANK_STEP
    if high[1] - low[1] >= 2 * MIN_GAP:
        return (low[1] + high[1]) / 2
    return _spread_around(siblings, field, low, high)


def _spread_around(siblings: models.QuerySet, field: str, low: Row, high: Row) -> float:
    """Spread the rows around the worn-out gap between ``low`` and ``high`` evenly over the room
    their outer neighbours leave, keeping a slot between them for the moving row, and return
    that slot's rank. The window grows until the room suffices (at the list's ends there is
    always room), so a rebalance writes a few rows, and a whole list only if it is crammed."""
    size = WINDOW
    while True:
        below = list(
            siblings.filter(_earlier(field, low) | Q(pk=low[0]))
            .order_by(f"-{field}", "-id")
            .values_list("pk", field)[: size + 1]
        )
        above = list(
            siblings.filter(_later(field, high) | Q(pk=high[0]))
            .order_by(field, "id")
            .values_list("pk", field)[: size + 1]
        )
        floor = below[size][1] if len(below) > size else None
        ceiling = above[size][1] if len(above) > size else None
        window = [*reversed(below[:size]), None, *above[:size]]
        slots = len(window)
        if floor is None and ceiling is None:
            floor, ceiling = 0.0, (slots + 1) * RANK_STEP
        elif floor is None:
            floor = ceiling - (slots + 1) * RANK_STEP
        elif ceiling is None:
            ceiling = floor + (slots + 1) * RANK_STEP
        step = (ceiling - floor) / (slots + 1)
        if step >= 2 * MIN_GAP:
            break
        size *= 4
    slot_rank = None
    for position, row in enumerate(window, start=1):
        rank = floor + position * step
        if row is None:
            slot_rank = rank
        elif row[1] != rank:
            siblings.filter(pk=row[0]).update(**{field: rank})
    return slot_rank
