"""Order kept as gapped keys: moving one row writes one row.

A list's rows carry a float rank; a row moved between two neighbours takes the rank halfway
between theirs. Only when the gap has worn out (after about fifty moves into the same spot) are
the list's ranks spread again, with a plain UPDATE per row and no version bump, so a colleague
editing another row is not told it conflicted.
"""

from django.db import models

RANK_STEP = 1024.0


def rank_after(siblings: models.QuerySet, field: str, after_pk: int | None) -> float:
    """The rank that puts a row right after the sibling ``after_pk`` (first when None) among
    ``siblings`` (the list without the moving row), ordered by ``field``."""
    ranks = list(siblings.order_by(field, "id").values_list("pk", field))
    index = 0 if after_pk is None else [pk for pk, _ in ranks].index(after_pk) + 1
    low = ranks[index - 1][1] if index > 0 else (ranks[0][1] - 2 * RANK_STEP if ranks else 0)
    high = ranks[index][1] if index < len(ranks) else low + 2 * RANK_STEP
    if high - low < 1e-6:
        for position, (pk, _) in enumerate(ranks, start=1):
            siblings.filter(pk=pk).update(**{field: position * RANK_STEP})
        ranks = [(pk, position * RANK_STEP) for position, (pk, _) in enumerate(ranks, start=1)]
        low = ranks[index - 1][1] if index > 0 else 0
        high = ranks[index][1] if index < len(ranks) else low + 2 * RANK_STEP
    return (low + high) / 2
