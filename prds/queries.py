"""What a set of PRD rows knows: the reading page's data in a constant number of queries."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from .models import (
    AcceptanceCriterion,
    ApiContract,
    Comment,
    CriterionStatus,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdRevision,
    Review,
)

# Replies deeper than this are drawn at this depth (with "replying to"), so a long chain of
# replies stays readable on a projector.
MAX_INDENT = 3


@dataclass
class Thread:
    """A comment with its replies (and theirs), oldest first. A root thread's ``flat`` lists
    its replies (and theirs) in reading order, each with its ``indent`` (1 to MAX_INDENT) and
    ``reply_to`` (the comment a reply deeper than MAX_INDENT answers, else None): the page draws
    them without recursing, so a chain of a thousand replies cannot exhaust anything."""

    comment: Comment
    replies: list["Thread"] = field(default_factory=list)
    indent: int = 0
    reply_to: Comment | None = None
    flat: list["Thread"] = field(default_factory=list)

    @property
    def size(self) -> int:
        """This comment and every reply below it."""
        count, stack = 0, [self]
        while stack:
            thread = stack.pop()
            count += 1
            stack.extend(thread.replies)
        return count

    def flatten(self) -> None:
        """Fill ``flat`` (and each reply's ``indent`` and ``reply_to``) from ``replies``."""
        flat = []
        stack = [(reply, 1, self.comment) for reply in reversed(self.replies)]
        while stack:
            thread, depth, parent = stack.pop()
            thread.indent = min(depth, MAX_INDENT)
            thread.reply_to = parent if depth > MAX_INDENT else None
            flat.append(thread)
            stack.extend((reply, depth + 1, thread.comment) for reply in reversed(thread.replies))
        self.flat = flat


@dataclass
class Reading:
    """Everything the reading page shows of one PRD."""

    prd: Prd
    revision: PrdRevision | None
    reviews: list[Review]
    roadmap_items: list
    criteria: list[AcceptanceCriterion]
    # Criterion id → its threads; key None: the threads on the PRD itself.
    threads: dict[int | None, list[Thread]]
    contracts: list[ApiContract]
    expectations: list[PerformanceExpectation]
    decisions: list[Decision]
    revision_count: int

    @property
    def prd_threads(self) -> list[Thread]:
        return self.threads.get(None, [])

    def criterion_threads(self, criterion_id: int) -> list[Thread]:
        return self.threads.get(criterion_id, [])

    @property
    def criteria_done(self) -> int:
        return sum(
            1
            for criterion in self.criteria
            if criterion.status in (CriterionStatus.MET, CriterionStatus.WAIVED)
        )


def threads_of(comments: list[Comment]) -> dict[int | None, list[Thread]]:
    """Comments (oldest first) as threads, grouped by the criterion they are on; each root
    thread flattened (see Thread)."""
    threads: dict[int, Thread] = {}
    roots: dict[int | None, list[Thread]] = {}
    for comment in comments:
        thread = threads[comment.pk] = Thread(comment)
        parent = threads.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.replies.append(thread)
        else:
            roots.setdefault(comment.criterion_id, []).append(thread)
    for group in roots.values():
        for root in group:
            root.flatten()
    return roots


def prds_for_list(product):
    """The product's PRDs for the list page and API: owner, current revision's number, the
    criteria counts and reviewers' verdicts, without a query per PRD."""
    return (
        Prd.objects.filter(product=product)
        .select_related("owner", "current_revision")
        .annotate(
            criteria_total=Count("criteria", distinct=True),
            criteria_met=Count(
                "criteria",
                filter=Q(criteria__status__in=[CriterionStatus.MET, CriterionStatus.WAIVED]),
                distinct=True,
            ),
        )
        .prefetch_related(Prefetch("reviews", Review.objects.select_related("reviewer")))
    )


def prd_for_reading(product, prd_id) -> Prd | None:
    """The PRD the reading page shows, with its owner and current revision in the same query;
    neither Markdown text is read (the page shows the revision's stored HTML)."""
    try:
        prd = (
            Prd.objects.select_related("owner", "current_revision")
            .defer("body", "current_revision__body")
            .get(product=product, pk=prd_id)
        )
    except Prd.DoesNotExist:
        return None
    prd.product = product
    return prd


def reading_for(prd: Prd) -> Reading:
    """The PRD's reading data in eight queries (seven when the PRD came with its current
    revision, as prd_for_reading loads it), whatever the number of criteria, comments, contracts
    or revisions. The long texts the page does not show stay in the database: the Markdown of
    the body, comments, reviews and decisions (their stored HTML is shown), a contract's text."""
    if prd.current_revision_id is None:
        revision = None
    elif Prd.current_revision.is_cached(prd):
        revision = prd.current_revision
    else:
        revision = PrdRevision.objects.filter(pk=prd.current_revision_id).defer("body").first()
    reviews = list(prd.reviews.select_related("reviewer").defer("comment"))
    roadmap_items = list(prd.roadmap_items.select_related("team").order_by("start_date", "id"))
    # All of a criterion's columns: its texts are short, and deferring them costs more CPU
    # (0.7 ms for 100 criteria) than reading them.
    criteria = list(prd.criteria.all())
    comments = list(
        Comment.objects.filter(prd=prd)
        .select_related("author")
        .defer("body")
        .order_by("created_at", "id")
    )
    contracts = list(
        prd.contracts.select_related("current_revision").defer(
            "current_revision__document", "current_revision__parsed"
        )
    )
    expectations = list(prd.expectations.all())
    decisions = list(prd.decisions.select_related("decided_by").defer("context"))
    return Reading(
        prd=prd,
        revision=revision,
        reviews=reviews,
        roadmap_items=roadmap_items,
        criteria=criteria,
        threads=threads_of(comments),
        contracts=contracts,
        expectations=expectations,
        decisions=decisions,
        revision_count=revision.number if revision else 0,
    )
