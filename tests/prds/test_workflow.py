import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lodestar.concurrency import VersionConflict
from prds import services
from prds.models import PrdStatus, PrdTemplate, Verdict
from products.activity import Actor
from tests.factories import CriterionFactory, PrdFactory, ReviewFactory


def web(user) -> Actor:
    return Actor(user=user, channel="web")


def test_prd_from_the_standard_template_starts_with_its_sections(team):
    template = PrdTemplate.objects.get(name="Standard PRD", product=None)
    prd = services.prd_create(
        by=web(team.editor), product=team.product, title="Live ETA", owner=team.editor,
        template=template,
    )  # fmt: skip
    sections = [entry["title"] for entry in prd.current_revision.toc]
    assert sections == [
        "Problem", "Users", "Goals", "Non-goals", "Requirements", "Success metrics",
        "Open questions",
    ]  # fmt: skip
    assert prd.current_revision.number == 1
    assert "<table>" in prd.current_revision.body_html


def test_every_save_of_text_is_a_revision_and_a_stale_save_is_refused(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    services.prd_update(prd=prd, by=web(team.editor), expected_version=1, body="Second text")
    assert prd.current_revision.number == 2
    assert prd.current_revision.body == "Second text"
    with pytest.raises(VersionConflict):
        services.prd_update(prd=prd, by=web(team.admin), expected_version=1, body="Stale text")
    prd.refresh_from_db()
    assert prd.body == "Second text"
    assert prd.revisions.count() == 2


def test_approval_needs_every_requested_reviewer(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    first = ReviewFactory(prd=prd, reviewer=team.contributor)
    second = ReviewFactory(prd=prd, reviewer=team.admin)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    services.review_submit(
        review=first, by=web(team.contributor), expected_version=1, verdict=Verdict.APPROVED
    )
    with pytest.raises(ValidationError) as refused:
        services.prd_transition(
            prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.APPROVED
        )
    assert "has not approved" in str(refused.value)
    with pytest.raises(PermissionDenied):
        services.review_submit(
            review=second, by=web(team.editor), expected_version=1, verdict=Verdict.APPROVED
        )
    services.review_submit(
        review=second, by=web(team.admin), expected_version=1, verdict=Verdict.APPROVED
    )
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.APPROVED
    )
    assert prd.status == PrdStatus.APPROVED
    assert prd.current_revision.summary == "In review → Approved"


def test_disallowed_transition_names_the_allowed_ones(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    with pytest.raises(ValidationError) as refused:
        services.prd_transition(
            prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.SHIPPED
        )
    assert "cannot become shipped" in str(refused.value)


def test_restore_makes_an_old_text_current_as_a_new_revision(team):
    prd = PrdFactory(product=team.product, owner=team.editor, body="First")
    services.prd_update(prd=prd, by=web(team.editor), expected_version=1, body="Second")
    first = prd.revisions.get(number=1)
    services.prd_restore(prd=prd, by=web(team.editor), expected_version=2, revision=first)
    assert prd.body == "First"
    assert prd.current_revision.number == 3
    assert prd.current_revision.restored_from == 1


def test_criteria_keep_their_order_when_one_moves(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    first, second, third = (CriterionFactory(prd=prd) for _ in range(3))
    services.criterion_move(criterion=third, by=web(team.editor), expected_version=1, after=None)
    assert list(prd.criteria.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]


def _approved(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    services.review_submit(
        review=review, by=web(team.contributor), expected_version=1, verdict=Verdict.APPROVED
    )
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.APPROVED
    )
    return prd, review


def test_the_text_of_an_approved_prd_changes_only_back_in_draft(team):
    prd, _ = _approved(team)
    with pytest.raises(ValidationError) as refused:
        services.prd_update(prd=prd, by=web(team.editor), expected_version=prd.version, body="New")
    assert "Move it back to draft" in str(refused.value)
    prd.refresh_from_db()
    assert prd.status == PrdStatus.APPROVED and prd.body != "New"
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.DRAFT
    )
    services.prd_update(prd=prd, by=web(team.editor), expected_version=prd.version, body="New")
    assert prd.body == "New"


def test_changing_the_text_reopens_given_verdicts_so_approval_waits_for_them(team):
    prd, review = _approved(team)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.DRAFT
    )
    services.prd_update(prd=prd, by=web(team.editor), expected_version=prd.version, body="New")
    review.refresh_from_db()
    assert review.verdict == Verdict.PENDING
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    with pytest.raises(ValidationError) as refused:
        services.prd_transition(
            prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.APPROVED
        )
    assert "has not approved (pending)" in str(refused.value)


def test_a_given_verdict_cannot_be_withdrawn(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    services.review_submit(
        review=review,
        by=web(team.contributor),
        expected_version=1,
        verdict=Verdict.CHANGES_REQUESTED,
        comment="Cover night shifts.",
    )
    with pytest.raises(ValidationError):
        services.review_withdraw(review=review, by=web(team.editor), expected_version=2)
    assert prd.reviews.count() == 1


def test_a_reviewer_made_viewer_can_no_longer_give_a_verdict(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    team.membership("contributor").__class__.objects.filter(
        product=team.product, user=team.contributor
    ).update(role="viewer")
    with pytest.raises(PermissionDenied):
        services.review_submit(
            review=review, by=web(team.contributor), expected_version=1, verdict=Verdict.APPROVED
        )
