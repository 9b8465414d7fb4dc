"""Workflows on PRDs, shared by pages, the API and the demo seeder.

A PRD's text and fields change only through ``prd_update`` (or ``prd_transition``/``prd_restore``,
which call it), so every change is a versioned write *and* a new revision with its rendered HTML:
a stale save is refused (``VersionConflict``), never merged silently over a colleague's text.
Who may call what is the caller's check (pages and API share ``products.permissions``); what a
role alone cannot decide (only a requested reviewer gives a verdict, approval needs every one of
them) is checked here.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from lodestar.concurrency import VersionConflict, apply_changes, bump_version
from lodestar.markdown import render, render_html
from lodestar.ranking import RANK_STEP, rank_after
from products.activity import Actor, activity_record
from products.models import Membership, Product, Role
from products.writes import (
    check_in_product,
    check_member,
    logged_create,
    logged_delete,
    logged_update,
)
from roadmaps.models import RoadmapItem

from . import contracts
from .models import (
    TRANSITIONS,
    AcceptanceCriterion,
    ApiContract,
    ApiContractRevision,
    Comment,
    CriterionKind,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdRevision,
    PrdStatus,
    PrdTemplate,
    Review,
    Verdict,
)

# The fields of a PRD whose change makes a revision (the links to roadmap items do not: they
# are not part of the document's text).
REVISED_FIELDS = ("title", "body", "owner", "status")
# The text is approved as it stands: it changes only before approval (or back in draft).
EDITABLE_STATUSES = (PrdStatus.DRAFT, PrdStatus.IN_REVIEW)
DECISION_CRITERIA = ("cost", "scalability", "maintenance", "business_impact")


def _member_name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- Templates ----------------------------------------------------------------------------------


def templates_for(product: Product) -> models.QuerySet[PrdTemplate]:
    """The built-in templates and the product's own, built-in first."""
    return PrdTemplate.objects.filter(models.Q(product=product) | models.Q(product=None)).order_by(
        models.F("product").asc(nulls_first=True), "name", "id"
    )


@transaction.atomic
def template_create(*, by: Actor, product: Product, name: str, body: str, description: str = ""):
    if PrdTemplate.objects.filter(models.Q(product=product) | models.Q(product=None), name=name):
        raise ValidationError({"name": f"There is already a template called “{name}”."})
    return logged_create(
        PrdTemplate,
        by=by,
        product=product,
        values={"product": product, "name": name, "body": body, "description": description},
    )


@transaction.atomic
def template_update(*, template: PrdTemplate, by: Actor, expected_version: int, **changes):
    if template.is_builtin:
        raise PermissionDenied("Built-in templates cannot be changed; make a copy instead.")
    name = changes.get("name")
    if name and name != template.name:
        clash = PrdTemplate.objects.filter(
            models.Q(product=template.product) | models.Q(product=None), name=name
        ).exclude(pk=template.pk)
        if clash.exists():
            raise ValidationError({"name": f"There is already a template called “{name}”."})
    return logged_update(
        template,
        by=by,
        product=template.product,
        expected_version=expected_version,
        changes=changes,
    )


@transaction.atomic
def template_delete(*, template: PrdTemplate, by: Actor, expected_version: int) -> None:
    if template.is_builtin:
        raise PermissionDenied("Built-in templates cannot be deleted.")
    logged_delete(
        template, by=by, product=template.product, expected_version=expected_version, label="name"
    )


# --- PRDs and their revisions -------------------------------------------------------------------


def _revise(prd: Prd, *, by: Actor, summary: str, restored_from: int | None = None) -> PrdRevision:
    """Store the PRD as it is now as its next revision, rendered once, and make it current.

    Runs inside the versioned write that changed the PRD, so two savers cannot both get here
    for the same version; the unique number is the database's word on it all the same.
    """
    last = prd.revisions.aggregate(models.Max("number"))["number__max"] or 0
    rendered = render(prd.body)
    revision = PrdRevision.objects.create(
        prd=prd,
        number=last + 1,
        author=by.user,
        summary=summary[:300],
        title=prd.title,
        status=prd.status,
        owner_name=_member_name(prd.owner),
        body=prd.body,
        body_html=rendered.html,
        toc=rendered.toc,
        restored_from=restored_from,
    )
    Prd.objects.filter(pk=prd.pk).update(current_revision=revision)
    prd.current_revision = revision
    return revision


@transaction.atomic
def prd_create(
    *,
    by: Actor,
    product: Product,
    title: str,
    owner,
    body: str | None = None,
    template: PrdTemplate | None = None,
    roadmap_items: Iterable[RoadmapItem] = (),
    summary: str = "",
) -> Prd:
    """A draft PRD, its body from ``template`` when none is given; revision 1."""
    if template is not None and template.product_id not in (None, product.pk):
        raise ValidationError({"template": "That template belongs to another product."})
    check_member(product, "owner", owner, Role.CONTRIBUTOR)
    roadmap_items = list(roadmap_items)
    check_in_product(product, "roadmap_items", roadmap_items)
    if body is None:
        body = template.body if template is not None else ""
    prd = logged_create(
        Prd,
        by=by,
        product=product,
        values={"product": product, "title": title, "owner": owner, "body": body},
        links={"roadmap_items": roadmap_items},
    )
    default = f"Created from the “{template.name}” template" if template else "Created"
    _revise(prd, by=by, summary=summary or default)
    return prd


@transaction.atomic
def prd_update(
    *,
    prd: Prd,
    by: Actor,
    expected_version: int,
    summary: str = "",
    roadmap_items: Iterable[RoadmapItem] | None = None,
    restored_from: int | None = None,
    **changes: Any,
) -> dict[str, list]:
    """Change the PRD's title, body or owner (and its roadmap links); a change to any of the
    first three is a new revision. The status changes through ``prd_transition`` only."""
    unknown = set(changes) - {"title", "body", "owner"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    rewrites = {field for field in ("title", "body") if field in changes}
    if rewrites and prd.status not in EDITABLE_STATUSES:
        field = sorted(rewrites)[0]
        raise ValidationError(
            {field: f"The PRD is {prd.get_status_display().lower()}: its text is what was "
             "approved. Move it back to draft to change it."
             if prd.status == PrdStatus.APPROVED
             else f"The PRD is {prd.get_status_display().lower()}: its text is final."}
        )  # fmt: skip
    if "owner" in changes:
        check_member(prd.product, "owner", changes["owner"], Role.CONTRIBUTOR)
    if roadmap_items is not None:
        roadmap_items = list(roadmap_items)
        check_in_product(prd.product, "roadmap_items", roadmap_items)
    diff = logged_update(
        prd,
        by=by,
        product=prd.product,
        expected_version=expected_version,
        changes=changes,
        links={"roadmap_items": roadmap_items},
    )
    if set(diff) & set(REVISED_FIELDS):
        _revise(prd, by=by, summary=summary or _summary_of(diff), restored_from=restored_from)
    if set(diff) & {"title", "body"}:
        _reopen_reviews(prd, by=by)
    return diff


def _reopen_reviews(prd: Prd, *, by: Actor) -> None:
    """A verdict is on the text its reviewer read: once the text changes, every given verdict
    goes back to pending (with a new version, so a verdict form still open is refused), and
    approval waits for them again."""
    given = list(prd.reviews.exclude(verdict=Verdict.PENDING).select_related("reviewer"))
    for review in given:
        logged_update(
            review,
            by=by,
            product=prd.product,
            expected_version=review.version,
            changes={"verdict": Verdict.PENDING},
            verb="reopened",
        )


def _summary_of(diff: dict[str, list]) -> str:
    labels = {"title": "title", "body": "text", "owner": "owner", "status": "status"}
    changed = [labels[field] for field in REVISED_FIELDS if field in diff]
    if "status" in diff:
        old, new = diff["status"]
        return f"{PrdStatus(old).label} → {PrdStatus(new).label}"
    return "Changed the " + " and ".join(changed) if changed else "Saved"


def approval_blockers(prd: Prd, reviews: list[Review] | None = None) -> list[str]:
    """Why the PRD cannot be approved yet; empty when it can."""
    reviews = list(prd.reviews.select_related("reviewer")) if reviews is None else reviews
    if not reviews:
        return ["No reviewer has been requested."]
    return [
        f"{_member_name(review.reviewer)} has not approved "
        f"({review.get_verdict_display().lower()})."
        for review in reviews
        if review.verdict != Verdict.APPROVED
    ]


@transaction.atomic
def prd_transition(
    *, prd: Prd, by: Actor, expected_version: int, status: str, summary: str = ""
) -> dict[str, list]:
    """Move the PRD along its workflow; see ``prds.models.TRANSITIONS``.

    In review needs at least one requested reviewer; approved needs every requested reviewer's
    approval. Both are checked under a lock on the PRD row, so a verdict changed at the same
    moment is seen.
    """
    if status not in PrdStatus.values:
        raise ValidationError({"status": f"“{status}” is not a PRD status."})
    locked = Prd.objects.select_for_update().filter(pk=prd.pk).first()
    if locked is None or locked.version != expected_version:
        raise VersionConflict(locked)
    if status == prd.status:
        return {}
    if status not in TRANSITIONS[prd.status]:
        allowed = ", ".join(PrdStatus(choice).label.lower() for choice in TRANSITIONS[prd.status])
        raise ValidationError(
            {"status": f"A PRD that is {prd.get_status_display().lower()} cannot become "
             f"{PrdStatus(status).label.lower()}"
             + (f"; it can become {allowed}." if allowed else "; it is final.")}
        )  # fmt: skip
    if status == PrdStatus.IN_REVIEW and not prd.reviews.exists():
        raise ValidationError({"status": "Request at least one reviewer before asking for review."})
    if status == PrdStatus.APPROVED:
        blockers = approval_blockers(prd)
        if blockers:
            raise ValidationError({"status": ["Approval needs every reviewer.", *blockers]})
    diff = apply_changes(prd, expected_version=expected_version, changes={"status": status})
    activity_record(actor=by, verb="updated", target=prd, product=prd.product, changes=diff)
    _revise(prd, by=by, summary=summary or _summary_of(diff))
    return diff


@transaction.atomic
def prd_restore(
    *, prd: Prd, by: Actor, expected_version: int, revision: PrdRevision
) -> dict[str, list]:
    """Make an old revision's title and text current again, as a new revision."""
    if revision.prd_id != prd.pk:
        raise ValidationError({"revision": "That revision belongs to another PRD."})
    return prd_update(
        prd=prd,
        by=by,
        expected_version=expected_version,
        summary=f"Restored revision {revision.number}",
        restored_from=revision.number,
        title=revision.title,
        body=revision.body,
    )


@transaction.atomic
def prd_delete(*, prd: Prd, by: Actor, expected_version: int) -> None:
    Prd.objects.filter(pk=prd.pk).update(current_revision=None)
    logged_delete(prd, by=by, product=prd.product, expected_version=expected_version, label="title")


# --- Acceptance criteria ------------------------------------------------------------------------


def _criterion_html(values: dict[str, Any]) -> dict[str, str]:
    return {part: render_html(values.get(part) or "") for part in ("given", "when", "then", "text")}


def _check_criterion(values: dict[str, Any]) -> None:
    if values.get("kind", CriterionKind.SCENARIO) == CriterionKind.SCENARIO:
        missing = {
            part: f"A Given / When / Then criterion needs its “{part}”."
            for part in ("given", "when", "then")
            if not (values.get(part) or "").strip()
        }
        if missing:
            raise ValidationError(missing)
    elif not (values.get("text") or "").strip():
        raise ValidationError({"text": "Write the criterion."})


@transaction.atomic
def criterion_create(*, by: Actor, prd: Prd, **values: Any) -> AcceptanceCriterion:
    """Add a criterion at the end of the PRD's list."""
    _check_criterion(values)
    last = prd.criteria.aggregate(models.Max("rank"))["rank__max"] or 0
    return logged_create(
        AcceptanceCriterion,
        by=by,
        product=prd.product,
        values={"prd": prd, "rank": last + RANK_STEP, "html": _criterion_html(values), **values},
    )


@transaction.atomic
def criterion_update(
    *, criterion: AcceptanceCriterion, by: Actor, expected_version: int, **changes: Any
) -> dict[str, list]:
    merged = {
        part: changes.get(part, getattr(criterion, part))
        for part in ("kind", "given", "when", "then", "text")
    }
    _check_criterion(merged)
    if set(changes) & {"given", "when", "then", "text"}:
        changes["html"] = _criterion_html(merged)
    return logged_update(
        criterion,
        by=by,
        product=criterion.prd.product,
        expected_version=expected_version,
        changes=changes,
    )


@transaction.atomic
def criterion_move(
    *,
    criterion: AcceptanceCriterion,
    by: Actor,
    expected_version: int,
    after: AcceptanceCriterion | None = None,
) -> dict[str, list]:
    """Put the criterion right after ``after`` (first when None), writing only its rank (the
    list's ranks are spread again when the gap has worn out)."""
    if after is not None and (after.prd_id != criterion.prd_id or after.pk == criterion.pk):
        raise ValidationError({"after": "The criterion to put it after is not in this PRD."})
    others = AcceptanceCriterion.objects.filter(prd_id=criterion.prd_id).exclude(pk=criterion.pk)
    rank = rank_after(others, "rank", after.pk if after else None)
    return logged_update(
        criterion,
        by=by,
        product=criterion.prd.product,
        expected_version=expected_version,
        changes={"rank": rank},
        verb="moved",
    )


@transaction.atomic
def criterion_delete(*, criterion: AcceptanceCriterion, by: Actor, expected_version: int) -> None:
    logged_delete(
        criterion,
        by=by,
        product=criterion.prd.product,
        expected_version=expected_version,
        label="criterion",
    )


# --- API contracts ------------------------------------------------------------------------------


def _contract_revision(
    contract: ApiContract,
    *,
    by: Actor,
    document: str,
    parsed: contracts.ParsedContract,
    previous: ApiContractRevision | None,
) -> ApiContractRevision:
    revision = ApiContractRevision.objects.create(
        contract=contract,
        number=(previous.number + 1) if previous else 1,
        author=by.user,
        format=parsed.format,
        document=document,
        parsed=parsed.data,
        endpoints=contracts.endpoints(parsed.data),
        breaking_changes=(
            contracts.breaking_changes(previous.parsed, parsed.data) if previous else []
        ),
    )
    ApiContract.objects.filter(pk=contract.pk).update(current_revision=revision)
    contract.current_revision = revision
    return revision


def _parse_or_field_error(document: str) -> contracts.ParsedContract:
    try:
        return contracts.parse(document)
    except contracts.ContractError as error:
        raise ValidationError({"document": str(error)}) from None


@transaction.atomic
def contract_create(*, by: Actor, prd: Prd, name: str, document: str) -> ApiContract:
    """Attach an OpenAPI 3 document; refused with the validator's message (and line) if invalid."""
    parsed = _parse_or_field_error(document)
    if prd.contracts.filter(name=name).exists():
        raise ValidationError({"name": f"This PRD already has a contract called “{name}”."})
    contract = logged_create(
        ApiContract, by=by, product=prd.product, values={"prd": prd, "name": name}
    )
    _contract_revision(contract, by=by, document=document, parsed=parsed, previous=None)
    return contract


@transaction.atomic
def contract_update(
    *,
    contract: ApiContract,
    by: Actor,
    expected_version: int,
    name: str | None = None,
    document: str | None = None,
) -> dict[str, list]:
    """Rename the contract and/or save a new text of it, as its next revision (with the
    breaking changes from the one before)."""
    previous = contract.current_revision
    changed_text = document is not None and (previous is None or document != previous.document)
    parsed = _parse_or_field_error(document) if changed_text else None
    changes: dict[str, Any] = {}
    if name is not None and name != contract.name:
        if contract.prd.contracts.filter(name=name).exclude(pk=contract.pk).exists():
            raise ValidationError({"name": f"This PRD already has a contract called “{name}”."})
        changes["name"] = name
    diff = apply_changes(contract, expected_version=expected_version, changes=changes)
    if changed_text:
        if not diff:  # only the text changed: the contract row still moves to a new version
            bump_version(contract, expected_version=expected_version)
        revision = _contract_revision(
            contract, by=by, document=document, parsed=parsed, previous=previous
        )
        diff["document"] = [
            f"revision {previous.number}" if previous else None,
            f"revision {revision.number}",
        ]
    if diff:
        activity_record(
            actor=by, verb="updated", target=contract, product=contract.prd.product, changes=diff
        )
    return diff


@transaction.atomic
def contract_delete(*, contract: ApiContract, by: Actor, expected_version: int) -> None:
    ApiContract.objects.filter(pk=contract.pk).update(current_revision=None)
    logged_delete(
        contract,
        by=by,
        product=contract.prd.product,
        expected_version=expected_version,
        label="name",
    )


# --- Performance expectations and decisions -----------------------------------------------------


@transaction.atomic
def expectation_create(*, by: Actor, prd: Prd, **values: Any) -> PerformanceExpectation:
    last = prd.expectations.aggregate(models.Max("position"))["position__max"]
    position = 0 if last is None else last + 1
    return logged_create(
        PerformanceExpectation,
        by=by,
        product=prd.product,
        values={"prd": prd, "position": position, **values},
    )


@transaction.atomic
def expectation_update(
    *, expectation: PerformanceExpectation, by: Actor, expected_version: int, **changes: Any
) -> dict[str, list]:
    return logged_update(
        expectation,
        by=by,
        product=expectation.prd.product,
        expected_version=expected_version,
        changes=changes,
    )


@transaction.atomic
def expectation_delete(
    *, expectation: PerformanceExpectation, by: Actor, expected_version: int
) -> None:
    logged_delete(
        expectation,
        by=by,
        product=expectation.prd.product,
        expected_version=expected_version,
        label="metric",
    )


def _check_options(options: list[dict]) -> list[dict]:
    """Options as ``{"name", "cost", "scalability", "maintenance", "business_impact"}``."""
    if not isinstance(options, list) or not options:
        raise ValidationError({"options": "Weigh at least one option."})
    cleaned = []
    for index, option in enumerate(options, start=1):
        if not isinstance(option, dict) or not str(option.get("name", "")).strip():
            raise ValidationError({"options": f"Option {index} needs a name."})
        unknown = set(option) - {"name", *DECISION_CRITERIA}
        if unknown:
            raise ValidationError({"options": f"Option {index}: unknown “{sorted(unknown)[0]}”."})
        entry = {"name": str(option["name"]).strip()[:200]}
        for criterion in DECISION_CRITERIA:
            value = option.get(criterion, "")
            if not isinstance(value, str):
                raise ValidationError({"options": f"Option {index}: “{criterion}” is text."})
            entry[criterion] = value.strip()[:1000]
        cleaned.append(entry)
    return cleaned


@transaction.atomic
def decision_create(
    *,
    by: Actor,
    prd: Prd,
    title: str,
    choice: str,
    options: list[dict],
    decided_by,
    decided_on: datetime.date | None = None,
    context: str = "",
) -> Decision:
    check_member(prd.product, "decided_by", decided_by)
    return logged_create(
        Decision,
        by=by,
        product=prd.product,
        values={
            "prd": prd,
            "title": title,
            "context": context,
            "context_html": render_html(context),
            "options": _check_options(options),
            "choice": choice,
            "decided_by": decided_by,
            "decided_on": decided_on or timezone.localdate(),
        },
    )


@transaction.atomic
def decision_update(
    *, decision: Decision, by: Actor, expected_version: int, **changes: Any
) -> dict[str, list]:
    if "options" in changes:
        changes["options"] = _check_options(changes["options"])
    if "decided_by" in changes:
        check_member(decision.prd.product, "decided_by", changes["decided_by"])
    if "context" in changes:
        changes["context_html"] = render_html(changes["context"])
    return logged_update(
        decision,
        by=by,
        product=decision.prd.product,
        expected_version=expected_version,
        changes=changes,
    )


@transaction.atomic
def decision_delete(*, decision: Decision, by: Actor, expected_version: int) -> None:
    logged_delete(
        decision,
        by=by,
        product=decision.prd.product,
        expected_version=expected_version,
        label="title",
    )


# --- Reviews ------------------------------------------------------------------------------------


@transaction.atomic
def review_request(*, by: Actor, prd: Prd, reviewer) -> Review:
    """Ask a member (contributor or above) to review; a PRD already approved or final takes no
    new reviewers."""
    # Under the PRD row's lock, as approval counts the reviewers (see prd_transition).
    Prd.objects.select_for_update().filter(pk=prd.pk).first()
    if prd.status not in (PrdStatus.DRAFT, PrdStatus.IN_REVIEW):
        raise ValidationError(
            {"reviewer": f"The PRD is {prd.get_status_display().lower()}: reviews are closed."}
        )
    check_member(prd.product, "reviewer", reviewer, Role.CONTRIBUTOR)
    if prd.reviews.filter(reviewer=reviewer).exists():
        raise ValidationError({"reviewer": f"{_member_name(reviewer)} is already a reviewer."})
    return logged_create(
        Review,
        by=by,
        product=prd.product,
        values={"prd": prd, "reviewer": reviewer, "requested_by": by.user},
    )


@transaction.atomic
def review_submit(
    *, review: Review, by: Actor, expected_version: int, verdict: str, comment: str = ""
) -> dict[str, list]:
    """The requested reviewer approves or requests changes (with a comment). Nobody else may."""
    if by.user is None or review.reviewer_id != by.user.pk:
        raise PermissionDenied("Only the requested reviewer can give this review.")
    membership = Membership.objects.filter(product_id=review.prd.product_id, user=by.user).first()
    if membership is None or not Role(membership.role).includes(Role.CONTRIBUTOR):
        # Requested as a contributor, since made a viewer: a viewer only reads.
        raise PermissionDenied("Reviewing needs at least the contributor role.")
    if verdict not in (Verdict.APPROVED, Verdict.CHANGES_REQUESTED):
        raise ValidationError({"verdict": "Approve, or request changes."})
    if verdict == Verdict.CHANGES_REQUESTED and not comment.strip():
        raise ValidationError({"comment": "Say what should change."})
    # The PRD row's lock orders this verdict with an approval happening at the same moment
    # (prd_transition takes the same lock before it counts the approvals).
    prd = Prd.objects.select_for_update().get(pk=review.prd_id)
    if prd.status != PrdStatus.IN_REVIEW:
        raise ValidationError(
            {"verdict": f"The PRD is {prd.get_status_display().lower()}, not in review."}
        )
    revision = prd.current_revision.number if prd.current_revision else None
    return logged_update(
        review,
        by=by,
        product=prd.product,
        expected_version=expected_version,
        changes={
            "verdict": verdict,
            "comment": comment,
            "comment_html": render_html(comment),
            "revision_number": revision,
            "decided_at": timezone.now(),
        },
        verb="reviewed",
    )


@transaction.atomic
def review_withdraw(*, review: Review, by: Actor, expected_version: int) -> None:
    """Withdraw a request nobody has answered. A given verdict stays (its reviewer can change
    it): withdrawing a "changes requested" would be a way round it."""
    if review.verdict != Verdict.PENDING:
        raise ValidationError(
            {"reviewer": f"{_member_name(review.reviewer)} has already given a verdict; "
             "only they can change it."}
        )  # fmt: skip
    logged_delete(
        review,
        by=by,
        product=review.prd.product,
        expected_version=expected_version,
        label="reviewer",
    )


# --- Comments -----------------------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *,
    by: Actor,
    prd: Prd,
    body: str,
    criterion: AcceptanceCriterion | None = None,
    parent: Comment | None = None,
) -> Comment:
    """A comment on the PRD, on one criterion, or a reply (which stays on its parent's
    criterion)."""
    if not body.strip():
        raise ValidationError({"body": "Write something."})
    if criterion is not None and criterion.prd_id != prd.pk:
        raise ValidationError({"criterion": "That criterion belongs to another PRD."})
    if parent is not None:
        if parent.prd_id != prd.pk:
            raise ValidationError({"parent": "That comment belongs to another PRD."})
        criterion = parent.criterion
    return logged_create(
        Comment,
        by=by,
        product=prd.product,
        values={
            "prd": prd,
            "criterion": criterion,
            "parent": parent,
            "author": by.user,
            "body": body,
            "body_html": render_html(body),
        },
    )


@transaction.atomic
def comment_delete(*, comment: Comment, by: Actor, expected_version: int, role: Role) -> None:
    """Its author or an admin may delete a comment (its replies go with it)."""
    if by.user is None or (comment.author_id != by.user.pk and not role.includes(Role.ADMIN)):
        raise PermissionDenied("Only its author or an admin can delete a comment.")
    logged_delete(
        comment, by=by, product=comment.prd.product, expected_version=expected_version, label="body"
    )
