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


@dataclass
class Thread:
    """A comment with its replies (and theirs), oldest first."""

    comment: Comment
    replies: list["Thread"] = field(default_factory=list)

    @property
    def size(self) -> int:
        return 1 + sum(reply.size for reply in self.replies)


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
    """Comments (oldest first) as threads, grouped by the criterion they are on."""
    threads: dict[int, Thread] = {}
    roots: dict[int | None, list[Thread]] = {}
    for comment in comments:
        thread = threads[comment.pk] = Thread(comment)
        parent = threads.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.replies.append(thread)
        else:
            roots.setdefault(comment.criterion_id, []).append(thread)
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


def reading_for(prd: Prd) -> Reading:
    """The PRD's reading data: nine queries, whatever the number of criteria, comments,
    contracts or revisions (the current revision's HTML is stored, never rendered here)."""
    revision = (
        PrdRevision.objects.filter(pk=prd.current_revision_id).first()
        if prd.current_revision_id
        else None
    )
    reviews = list(prd.reviews.select_related("reviewer"))
    roadmap_items = list(prd.roadmap_items.select_related("team").order_by("start_date", "id"))
    criteria = list(prd.criteria.all())
    comments = list(
        Comment.objects.filter(prd=prd).select_related("author").order_by("created_at", "id")
    )
    contracts = list(prd.contracts.select_related("current_revision"))
    expectations = list(prd.expectations.all())
    decisions = list(prd.decisions.select_related("decided_by"))
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
