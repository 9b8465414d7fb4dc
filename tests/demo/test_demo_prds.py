import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo import prds as demo_prds
from demo.prds import canonical
from lodestar.markdown import render
from prds.models import (
    AcceptanceCriterion,
    ApiContract,
    ApiContractRevision,
    Comment,
    CriterionStatus,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdRevision,
    PrdStatus,
    Review,
    Verdict,
)
from prds.templatetags.prds_tags import chosen_option
from products.models import Activity, Product, Role
from tests.factories import MembershipFactory, ProductFactory, UserFactory


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


@pytest.fixture
def fleet(db) -> Product:
    seed()
    return Product.objects.get(name="Atlas Fleet Platform")


def by_status(fleet) -> dict[str, Prd]:
    prds = {prd.status: prd for prd in Prd.objects.filter(product=fleet)}
    assert len(prds) == Prd.objects.filter(product=fleet).count() == 3
    return prds


def test_demo_has_an_approved_prd_an_in_review_one_and_a_draft_all_owned_by_the_tpm(fleet):
    prds = by_status(fleet)
    assert set(prds) == {PrdStatus.APPROVED, PrdStatus.IN_REVIEW, PrdStatus.DRAFT}
    assert {prd.owner.username for prd in prds.values()} == {"maya"}
    assert prds[PrdStatus.APPROVED].title == "Live vehicle ETA on the dispatch map"
    words = {status: len(prd.body.split()) for status, prd in prds.items()}
    assert 800 <= words[PrdStatus.APPROVED] <= 1500
    assert words[PrdStatus.DRAFT] < words[PrdStatus.IN_REVIEW] < words[PrdStatus.APPROVED]
    for prd in prds.values():
        # Written through the services: the current revision holds the body's stored HTML.
        assert prd.current_revision.body == prd.body
        assert canonical(prd.current_revision.body_html) == canonical(render(prd.body).html)
        assert prd.roadmap_items.exists()
        assert Activity.objects.filter(target_id=str(prd.pk), verb="created").exists()


def test_approved_prd_reads_as_a_complete_standard_prd(fleet):
    prd = by_status(fleet)[PrdStatus.APPROVED]
    revision = prd.current_revision
    headings = [entry["title"] for entry in revision.toc if entry["level"] == 2]
    assert headings == [
        "Problem",
        "Users",
        "Goals",
        "Non-goals",
        "Requirements",
        "Success metrics",
        "Open questions",
    ]
    assert "<table>" in revision.body_html
    assert '<div class="highlight"><pre>' in revision.body_html
    assert 'type="checkbox"' in revision.body_html  # the open questions are a task list
    criteria = list(prd.criteria.all())
    assert 6 <= len(criteria) <= 10
    scenarios = [criterion for criterion in criteria if criterion.kind == "scenario"]
    assert len(scenarios) > len(criteria) / 2
    assert all(criterion.html["then"] for criterion in scenarios)
    statuses = [criterion.status for criterion in criteria]
    assert 0 < statuses.count(CriterionStatus.MET) < len(criteria)
    assert 3 <= prd.expectations.count() <= 4
    decisions = list(prd.decisions.all())
    assert 1 <= len(decisions) <= 2
    assert all(len(decision.options) >= 2 for decision in decisions)
    # The page marks the option each choice names.
    assert {decision.options[chosen_option(decision)]["name"] for decision in decisions} == {
        "Poll every 60 s",
        "Per depot",
    }
    assert set(Review.objects.filter(prd=prd).values_list("reviewer__username", "verdict")) == {
        ("priya", Verdict.APPROVED),
        ("diego", Verdict.APPROVED),
    }
    # Its API contract's second revision breaks clients of the first.
    contract = ApiContract.objects.get(prd=prd)
    first, second = contract.revisions.order_by("number")
    assert contract.current_revision == second
    assert first.breaking_changes == []
    assert {change["kind"] for change in second.breaking_changes} == {
        "removed_response_field",  # eta_minutes
        "newly_required_parameter",  # depot_id
    }
    assert "eta_minutes" in first.document and "eta_minutes" not in second.document
    assert first.endpoints and second.endpoints
    assert first.created_at < second.created_at


def test_engineer_comments_on_a_criterion_and_reviews_the_prd_in_review(fleet):
    approved = by_status(fleet)[PrdStatus.APPROVED]
    on_criterion = Comment.objects.get(prd=approved, criterion__isnull=False, parent=None)
    assert on_criterion.author.username == "diego"
    reply = Comment.objects.get(parent=on_criterion)
    assert reply.author.username == "maya"
    assert reply.criterion == on_criterion.criterion
    assert reply.created_at > on_criterion.created_at
    assert Comment.objects.filter(prd=approved).count() >= 4
    prd = by_status(fleet)[PrdStatus.IN_REVIEW]
    verdicts = dict(Review.objects.filter(prd=prd).values_list("reviewer__username", "verdict"))
    assert verdicts == {"priya": Verdict.APPROVED, "diego": Verdict.CHANGES_REQUESTED}
    assert Review.objects.get(prd=prd, reviewer__username="diego").comment_html
    assert Comment.objects.filter(prd=prd, parent__isnull=False).exists()
    assert prd.revisions.count() >= 2
    draft = by_status(fleet)[PrdStatus.DRAFT]
    assert not draft.reviews.exists()


def test_prd_history_is_spread_over_past_weeks_as_the_activity_log_tells_it(fleet):
    now = timezone.now()
    prd = by_status(fleet)[PrdStatus.APPROVED]
    revisions = list(prd.revisions.order_by("number"))
    times = [revision.created_at for revision in revisions]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert times[0] < now - datetime.timedelta(days=40)
    assert times[-1] < now - datetime.timedelta(days=7)
    assert [revision.status for revision in revisions][-1] == PrdStatus.APPROVED
    assert prd.created_at == times[0]
    # A contributor reviewed: Diego was promoted before he was asked.
    promoted = Activity.objects.get(product=fleet, verb="changed role of")
    asked = Activity.objects.get(
        target_type__model="review",
        verb="created",
        changes__reviewer__to="diego",
        target_id=str(Review.objects.get(prd=prd, reviewer__username="diego").pk),
    )
    assert promoted.created_at <= asked.created_at
    for comment in Comment.objects.filter(prd__product=fleet):
        assert comment.created_at < now


def prd_counts() -> dict[str, int]:
    models = [Prd, PrdRevision, AcceptanceCriterion, ApiContract, ApiContractRevision]
    models += [PerformanceExpectation, Decision, Review, Comment, Activity]
    return {model.__name__: model.objects.count() for model in models}


def test_seeding_again_or_after_a_rename_adds_no_prd(fleet):
    counts = prd_counts()
    seed()
    assert prd_counts() == counts
    Prd.objects.filter(title="Live vehicle ETA on the dispatch map").update(title="Map ETAs")
    Product.objects.filter(pk=fleet.pk).update(name="Atlas Fleet")
    seed()
    assert prd_counts() == counts


def test_a_database_seeded_before_prds_existed_gets_them_on_the_next_run(fleet):
    Prd.objects.filter(product=fleet).update(current_revision=None)
    Prd.objects.filter(product=fleet).delete()
    seed()
    assert set(by_status(fleet)) == {PrdStatus.APPROVED, PrdStatus.IN_REVIEW, PrdStatus.DRAFT}
    seed()
    assert Prd.objects.filter(product=fleet).count() == 3


def test_large_prd_has_20000_words_100_criteria_200_revisions_each_rendered(db):
    # Only the PRD (the benchmark product's 500 items are tested above): the suite stays fast.
    product = ProductFactory()
    people = {}
    for username, role in (
        ("maya", Role.EDITOR),
        ("priya", Role.EDITOR),
        ("diego", Role.CONTRIBUTOR),
    ):
        people[username] = UserFactory(username=username)
        MembershipFactory(product=product, user=people[username], role=role)
    prd, created = demo_prds.seed_large_prd(product, people)
    assert created
    assert len(prd.body.split()) >= 20_000
    assert prd.criteria.count() == 100
    assert prd.revisions.count() == 200
    assert 24 <= prd.comments.count() <= 50
    assert prd.comments.filter(criterion__isnull=False).exists()
    assert prd.comments.filter(parent__isnull=False).exists()
    current = prd.current_revision
    assert current.number == 200 and current.body == prd.body
    # Rendered by section, stored as if rendered whole: the same (up to attribute order).
    whole = render(current.body)
    assert canonical(current.body_html) == canonical(whole.html)
    assert current.toc == whole.toc
    assert len(current.toc) > 60
    first = prd.revisions.get(number=1)
    assert first.body != current.body and first.body_html != current.body_html
    assert canonical(render(first.body).html) == canonical(first.body_html)
    times = list(prd.revisions.order_by("number").values_list("created_at", flat=True))
    assert times == sorted(times) and times[0] < timezone.now() - datetime.timedelta(days=100)
    assert prd.status == PrdStatus.APPROVED
    again, created = demo_prds.seed_large_prd(product, people)
    assert (again, created) == (prd, False)
    assert PrdRevision.objects.filter(prd__product=product).count() == 200
