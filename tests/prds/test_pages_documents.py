"""The PRD document pages: list, create, the reading view, the editor with its preview, status,
history, compare, restore, reviews, comments and templates. Who may see and change what, what bad
input and stale versions get, and how many queries the reading page costs."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from prds import services
from prds.diffs import side_by_side as line_diff
from prds.diffs import word_diff
from prds.models import (
    BODY_MAX_LENGTH,
    Comment,
    Prd,
    PrdStatus,
    PrdTemplate,
    Review,
    Verdict,
)
from products.activity import Actor
from products.models import Role
from tests.factories import (
    CommentFactory,
    ContractFactory,
    CriterionFactory,
    DecisionFactory,
    ExpectationFactory,
    MembershipFactory,
    PrdFactory,
    ProductFactory,
    ReviewFactory,
    RoadmapItemFactory,
    UserFactory,
)
from tests.roadmaps.pages import CALLERS, expected_status, log_in

BODY = """## Problem

Dispatchers cannot see which vehicles are **late**.

## Goals

- See lateness on the live map
- [ ] Alert the shift lead

### Night shifts

Cover them too.
"""


def url(name, *args):
    return reverse(name, args=args)


def main_of(response) -> str:
    """The page's main region (the frame's log-out form is not an edit control)."""
    return response.content.decode().split('id="main"')[1]


def web(user) -> Actor:
    return Actor(user=user, channel="web")


def name(user) -> str:
    """A member's name as a page shows it (escaped: a name may hold an apostrophe)."""
    return escape(user.get_full_name())


@pytest.fixture
def prd(team):
    item = RoadmapItemFactory(product=team.product, title="Live lateness map")
    prd = PrdFactory(
        product=team.product, owner=team.editor, title="Late vehicles", body=BODY,
        roadmap_items=[item],
    )  # fmt: skip
    return prd


def edit_data(prd, **changes) -> dict:
    """What the edit form posts for ``prd`` as it is now, with ``changes``."""
    items = ",".join(str(pk) for pk in sorted(prd.roadmap_items.values_list("pk", flat=True)))
    data = {
        "title": prd.title,
        "owner": str(prd.owner_id),
        "roadmap_items": [str(pk) for pk in prd.roadmap_items.values_list("pk", flat=True)],
        "body": prd.body,
        "summary": "",
        "version": str(prd.version),
        "original_title": prd.title,
        "original_owner": str(prd.owner_id),
        "original_roadmap_items": items,
        "original_body": prd.body,
    }
    data.update(changes)
    return data


# --- Access ---------------------------------------------------------------------------------

# (URL name, method, the least role that may, the status it answers that role with the data
# below). Writes posted without data answer a form error or a redirect: the access check came
# first and let them through.
ACCESS = [
    ("prds:list", "get", "viewer", 200),
    ("prds:create", "get", "editor", 200),
    ("prds:create", "post", "editor", 400),
    ("prds:read", "get", "viewer", 200),
    ("prds:edit", "get", "editor", 200),
    ("prds:edit", "post", "editor", 400),
    ("prds:preview", "post", "editor", 200),
    ("prds:transition", "post", "editor", 400),
    ("prds:delete", "get", "editor", 200),
    ("prds:delete", "post", "editor", 302),
    ("prds:history", "get", "viewer", 200),
    ("prds:compare", "get", "viewer", 200),
    ("prds:revision", "get", "viewer", 200),
    ("prds:restore", "post", "editor", 302),
    ("prds:review-request", "post", "editor", 400),
    ("prds:review-withdraw", "post", "editor", 302),
    ("prds:comment-add", "post", "contributor", 400),
    ("prds:templates", "get", "viewer", 200),
    ("prds:template-create", "get", "editor", 200),
    ("prds:template-create", "post", "editor", 400),
    ("prds:template-edit", "get", "editor", 200),
    ("prds:template-edit", "post", "editor", 400),
    ("prds:template-delete", "get", "editor", 200),
    ("prds:template-delete", "post", "editor", 302),
]


def _access_url(name, team, prd, review, template) -> str:
    pk = team.product.pk
    if name in ("prds:list", "prds:create", "prds:templates", "prds:template-create"):
        return url(name, pk)
    if name in ("prds:template-edit", "prds:template-delete"):
        return url(name, pk, template.pk)
    if name in ("prds:revision", "prds:restore"):
        return url(name, pk, prd.pk, 1)
    if name == "prds:review-withdraw":
        return url(name, pk, prd.pk, review.pk)
    if name == "prds:compare":
        return url(name, pk, prd.pk) + "?from=1&to=1"
    return url(name, pk, prd.pk)


@pytest.mark.parametrize("name, method, minimum, ok", ACCESS)
@pytest.mark.parametrize("caller", CALLERS)
def test_every_page_and_write_answers_by_role(team, client, prd, caller, name, method, minimum, ok):
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    template = services.template_create(
        by=web(team.editor), product=team.product, name="Ours", body="## Ours"
    )
    log_in(client, team, caller)
    target = _access_url(name, team, prd, review, template)
    response = getattr(client, method)(target)
    assert response.status_code == expected_status(caller, minimum, ok)


def test_prds_of_another_product_are_404_even_to_its_admins(team, client):
    other = ProductFactory()
    MembershipFactory(product=other, user=team.outsider, role=Role.ADMIN)
    theirs = PrdFactory(product=other, owner=team.outsider)
    client.force_login(team.admin)
    # Their PRD under our product's URL: not ours, so not found either.
    assert client.get(url("prds:read", team.product.pk, theirs.pk)).status_code == 404
    assert client.get(url("prds:read", other.pk, theirs.pk)).status_code == 404
    assert client.post(url("prds:edit", team.product.pk, theirs.pk), {}).status_code == 404


def test_only_the_requested_reviewer_may_give_a_verdict(team, client, prd):
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    target = url("prds:review-submit", team.product.pk, prd.pk, review.pk)
    data = {"verdict": "approved", "version": review.version}
    for caller, status in [("outsider", 404), ("viewer", 403), ("editor", 403), ("admin", 403)]:
        client.force_login(team.user(caller))
        assert client.post(target, data).status_code == status
    client.logout()
    assert client.post(target, data).status_code == 302  # to the login page
    review.refresh_from_db()
    assert review.verdict == Verdict.PENDING
    client.force_login(team.contributor)
    response = client.post(target, data)
    assert response.status_code == 302
    assert response["Location"].endswith("#reviews")
    review.refresh_from_db()
    assert review.verdict == Verdict.APPROVED and review.revision_number == 2


def test_only_its_author_or_an_admin_may_delete_a_comment(team, client, prd):
    comment = CommentFactory(prd=prd, author=team.contributor, body="Night shifts?")
    target = url("prds:comment-delete", team.product.pk, prd.pk, comment.pk)
    for caller, status in [("outsider", 404), ("viewer", 403), ("editor", 403)]:
        client.force_login(team.user(caller))
        assert client.get(target).status_code == status
        assert client.post(target, {"version": 1}).status_code == status
    assert Comment.objects.filter(pk=comment.pk).exists()
    client.force_login(team.admin)
    page = client.get(target)
    assert page.status_code == 200 and "Night shifts?" in page.content.decode()
    response = client.post(target, {"version": 1})
    assert response.status_code == 302 and response["Location"].endswith("#prd-comments")
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_a_viewer_reads_everything_and_sees_no_write_control(team, client, prd):
    criterion = CriterionFactory(prd=prd)
    ReviewFactory(prd=prd, reviewer=team.contributor)
    CommentFactory(prd=prd, author=team.contributor, body="On the PRD")
    CommentFactory(prd=prd, author=team.contributor, body="On the criterion", criterion=criterion)
    ContractFactory(prd=prd)
    ExpectationFactory(prd=prd)
    DecisionFactory(prd=prd)
    client.force_login(team.viewer)
    response = client.get(url("prds:read", team.product.pk, prd.pk))
    html = main_of(response)
    assert "On the PRD" in html and "On the criterion" in html
    assert 'method="post"' not in html and "hx-post" not in html
    assert 'type="submit"' not in html and "data-dialog-open" not in html
    assert "<template" not in html  # nor a form to clone in
    assert "Reply" not in html and "Comment on this criterion" not in html
    for write in ("edit", "delete", "comment-add", "review-request", "transition"):
        assert url(f"prds:{write}", team.product.pk, prd.pk) not in html
    assert "Read-only" in html


# --- The list and creating ------------------------------------------------------------------


def test_list_shows_status_owner_criteria_and_verdicts_and_filters_by_status(team, client, prd):
    CriterionFactory(prd=prd)
    met = CriterionFactory(prd=prd)
    services.criterion_update(criterion=met, by=web(team.editor), expected_version=1, status="met")
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    draft = PrdFactory(product=team.product, owner=team.admin, title="Driver ratings")
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    services.review_submit(
        review=review, by=web(team.contributor), expected_version=1, verdict=Verdict.APPROVED
    )
    client.force_login(team.viewer)
    html = main_of(client.get(url("prds:list", team.product.pk)))
    assert "Late vehicles" in html and "Driver ratings" in html
    assert "badge-status-in_review" in html and "In review" in html
    assert "1/2" in html
    assert f"{name(team.contributor)}: Approved" in html
    assert "New PRD" not in html
    filtered = main_of(client.get(url("prds:list", team.product.pk) + "?status=draft"))
    assert "Driver ratings" in filtered and "Late vehicles" not in filtered
    assert draft.title in filtered
    empty = main_of(client.get(url("prds:list", team.product.pk) + "?status=shipped"))
    assert "No shipped PRDs" in empty
    bogus = client.get(url("prds:list", team.product.pk) + "?status=<script>")
    assert bogus.status_code == 200 and "Late vehicles" in main_of(bogus)


def test_empty_list_offers_the_first_prd_to_editors(team, client):
    client.force_login(team.editor)
    html = main_of(client.get(url("prds:list", team.product.pk)))
    assert "No PRDs yet" in html and url("prds:create", team.product.pk) in html


# session, user, membership + product, the sidebar's product switcher, the PRDs (with owner,
# current revision's number, criteria counts), their reviews with reviewers
LIST_QUERIES = 6


@pytest.mark.parametrize("size", [2, 12])
def test_list_query_count_is_constant(team, client, django_assert_num_queries, size):
    for _ in range(size):
        prd = PrdFactory(product=team.product, owner=team.editor)
        CriterionFactory(prd=prd)
        ReviewFactory(prd=prd, reviewer=team.contributor)
    client.force_login(team.viewer)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url("prds:list", team.product.pk))
    assert response.status_code == 200


def test_create_from_the_standard_template_with_roadmap_items_opens_the_editor(team, client):
    item = RoadmapItemFactory(product=team.product, title="Live lateness map")
    standard = PrdTemplate.objects.get(name="Standard PRD", product=None)
    client.force_login(team.editor)
    page = client.get(url("prds:create", team.product.pk)).content.decode()
    assert re.search(rf'value="{standard.pk}"[^>]*checked', page)  # preselected
    assert "Blank document" in page and "Live lateness map" in page
    response = client.post(
        url("prds:create", team.product.pk),
        {
            "title": "Live ETA",
            "owner": team.contributor.pk,
            "template": standard.pk,
            "roadmap_items": [item.pk],
        },
    )
    prd = Prd.objects.get(title="Live ETA")
    assert response.status_code == 302
    assert response["Location"] == url("prds:edit", team.product.pk, prd.pk)
    assert prd.owner == team.contributor
    assert list(prd.roadmap_items.all()) == [item]
    assert [entry["title"] for entry in prd.current_revision.toc][:2] == ["Problem", "Users"]


def test_create_blank_and_field_errors(team, client):
    client.force_login(team.editor)
    blank = client.post(
        url("prds:create", team.product.pk),
        {"title": "Blank one", "owner": team.editor.pk, "template": ""},
    )
    assert blank.status_code == 302
    assert Prd.objects.get(title="Blank one").body == ""
    other = RoadmapItemFactory()  # another product's item
    response = client.post(
        url("prds:create", team.product.pk),
        {"title": "  ", "owner": team.viewer.pk, "roadmap_items": [other.pk]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A PRD needs a title." in html
    assert html.count('class="field-error"') >= 3  # title, owner (a viewer), the other item
    assert Prd.objects.count() == 1


# --- The reading page -----------------------------------------------------------------------


def test_reading_page_shows_the_header_contents_and_stored_body(team, client, prd):
    ReviewFactory(prd=prd, reviewer=team.contributor)
    client.force_login(team.contributor)
    response = client.get(url("prds:read", team.product.pk, prd.pk))
    html = main_of(response)
    assert "<h1" in html and "Late vehicles" in html
    assert "badge-status-draft" in html
    assert name(team.editor) in html  # the owner
    assert "Pending" in html  # the reviewer's verdict
    item = prd.roadmap_items.get()
    assert f'href="{item.get_absolute_url()}"' in html
    # Contents: the body's headings (as the revision stored them), then the fixed sections.
    headings = [f"#{entry['id']}" for entry in prd.current_revision.toc]
    assert len(headings) == 3
    fixed = ["#prd-criteria", "#prd-contracts", "#prd-expectations", "#prd-decisions",
             "#prd-comments"]  # fmt: skip
    positions = [html.index(f'href="{anchor}"') for anchor in headings + fixed]
    assert positions == sorted(positions)
    assert '<div class="prose prd-body" id="prd-body">' in html
    assert "<strong>late</strong>" in html and 'type="checkbox"' in html
    assert 'id="new-comment"' in html  # contributors comment
    assert url("prds:edit", team.product.pk, prd.pk) not in html  # but do not edit
    assert "css/highlight.css" in response.content.decode()


def test_reading_page_never_renders_markdown(team, client, prd, monkeypatch):
    CriterionFactory(prd=prd)
    CommentFactory(prd=prd, author=team.contributor)

    def refuse(*args, **kwargs):
        raise AssertionError("Markdown rendered on a reading view")

    monkeypatch.setattr("lodestar.markdown.render", refuse)
    monkeypatch.setattr("lodestar.markdown.render_html", refuse)
    monkeypatch.setattr("prds.views.documents.render_markdown", refuse)
    client.force_login(team.viewer)
    assert client.get(url("prds:read", team.product.pk, prd.pk)).status_code == 200


def test_editor_sees_status_actions_with_approval_blockers(team, client, prd):
    ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    client.force_login(team.editor)
    html = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    approve = re.search(r"<button[^>]*>Approve</button>", html).group(0)
    assert "disabled" in approve
    assert f"{name(team.contributor)} has not approved (pending)." in html
    assert ">Back to draft</button>" in html
    assert "Mark shipped" not in html  # not allowed from in review
    assert 'data-dialog-open="move-superseded"' in html  # final: confirmed in a dialog


def test_deep_links_to_comments_land_on_their_anchor(team, client, prd):
    criterion = CriterionFactory(prd=prd)
    comment = CommentFactory(prd=prd, author=team.contributor, criterion=criterion)
    client.force_login(team.viewer)
    html = main_of(client.get(comment.get_absolute_url().split("#")[0]))
    assert f'id="{comment.anchor}"' in html
    assert f'id="ac-{criterion.pk}"' in html


def test_deep_reply_chains_are_drawn_flat(team, client, prd):
    parent = CommentFactory(prd=prd, author=team.contributor, body="Root")
    for depth in range(1, 8):
        parent = CommentFactory(
            prd=prd, author=team.contributor, body=f"Reply at depth {depth}", parent=parent
        )
    client.force_login(team.viewer)
    html = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    assert "Reply at depth 7" in html
    assert "comment-indent-3" in html and "comment-indent-4" not in html
    assert f"replying to {name(team.contributor)}" in html


def _grow(prd, team, size: int) -> None:
    """``size`` criteria, comments (half on criteria, some replies) and revisions."""
    criteria = [CriterionFactory(prd=prd) for _ in range(size)]
    previous = None
    for n in range(size):
        previous = CommentFactory(
            prd=prd,
            author=team.contributor if n % 2 else team.editor,
            criterion=criteria[n] if n % 2 else None,
            parent=previous if n % 5 == 4 else None,
        )
    for n in range(size - 1):
        services.prd_update(
            prd=prd, by=web(team.editor), expected_version=prd.version, body=f"{BODY}\n{n}"
        )
    ContractFactory(prd=prd)
    ExpectationFactory(prd=prd)
    DecisionFactory(prd=prd)


# session, user, membership + product, the PRD with its owner and current revision, then
# reading_for's seven: reviews with reviewers, roadmap items with teams, criteria, comments with
# authors, contracts with their current revisions, expectations, decisions; the members an
# editor may ask to review; the sidebar's product switcher
READ_QUERIES = 13


@pytest.mark.parametrize("size", [5, 100])
def test_reading_page_query_count_is_constant(team, client, prd, django_assert_num_queries, size):
    _grow(prd, team, size)
    ReviewFactory(prd=prd, reviewer=team.contributor)
    client.force_login(team.editor)
    with django_assert_num_queries(READ_QUERIES):
        response = client.get(url("prds:read", team.product.pk, prd.pk))
    assert response.status_code == 200
    assert prd.revisions.count() == size
    html = main_of(response)
    assert html.count('class="comment ') == size


# --- Editing --------------------------------------------------------------------------------


def test_editor_page_has_the_text_beside_its_live_preview(team, client, prd):
    client.force_login(team.editor)
    html = main_of(client.get(url("prds:edit", team.product.pk, prd.pk)))
    assert "## Problem" in html  # the Markdown in the textarea
    assert prd.current_revision.body_html[:40] in html  # the stored HTML as first preview
    preview = url("prds:preview", team.product.pk, prd.pk)
    assert f'hx-post="{preview}"' in html
    assert 'hx-trigger="input changed delay:400ms"' in html
    assert 'name="summary"' in html and 'name="original_body"' in html


def test_preview_renders_and_never_saves(team, client, prd):
    client.force_login(team.editor)
    response = client.post(
        url("prds:preview", team.product.pk, prd.pk),
        {"body": "# Draft\n\n<script>alert(1)</script>**bold**"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "<script" not in html
    assert "<html" not in html  # the partial only
    prd.refresh_from_db()
    assert prd.version == 1 and prd.revisions.count() == 1
    client.force_login(team.contributor)
    assert (
        client.post(url("prds:preview", team.product.pk, prd.pk), {"body": "x"}).status_code == 403
    )


def test_save_makes_a_revision_with_its_summary(team, client, prd):
    client.force_login(team.editor)
    response = client.post(
        url("prds:edit", team.product.pk, prd.pk),
        edit_data(prd, body=BODY + "\r\n## Risks\r\n\r\nNone.", summary="Added risks",
                  title="Late vehicles v2"),
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == url("prds:read", team.product.pk, prd.pk)
    prd.refresh_from_db()
    assert prd.title == "Late vehicles v2"
    assert "\r" not in prd.body and prd.body.endswith("## Risks\n\nNone.")
    revision = prd.current_revision
    assert revision.number == 2 and revision.summary == "Added risks"
    assert revision.author == team.editor


def test_save_changes_owner_and_roadmap_links(team, client, prd):
    other = RoadmapItemFactory(product=team.product, title="Driver app")
    client.force_login(team.editor)
    response = client.post(
        url("prds:edit", team.product.pk, prd.pk),
        edit_data(prd, owner=str(team.contributor.pk), roadmap_items=[str(other.pk)]),
    )
    assert response.status_code == 302
    prd.refresh_from_db()
    assert prd.owner == team.contributor
    assert list(prd.roadmap_items.all()) == [other]


def test_edit_errors_are_shown_next_to_the_fields(team, client, prd):
    client.force_login(team.editor)
    response = client.post(
        url("prds:edit", team.product.pk, prd.pk),
        edit_data(prd, title="", owner=str(team.viewer.pk)),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A PRD needs a title." in html
    assert html.count('class="field-error"') >= 2
    prd.refresh_from_db()
    assert prd.version == 1


def test_a_colleagues_body_change_merges_with_my_title_change(team, client, prd):
    mine = edit_data(prd, title="Late vehicles, revised")  # read at version 1
    services.prd_update(
        prd=prd, by=web(team.admin), expected_version=1, body=BODY + "\nTheirs.", summary="x"
    )
    client.force_login(team.editor)
    response = client.post(url("prds:edit", team.product.pk, prd.pk), mine)
    assert response.status_code == 302
    prd.refresh_from_db()
    assert prd.title == "Late vehicles, revised"
    assert prd.body == BODY + "\nTheirs."
    assert prd.revisions.count() == 3


def test_both_changing_the_text_shows_both_and_saves_nothing(team, client, prd):
    mine = edit_data(prd, body=BODY + "\nMine.")
    services.prd_update(prd=prd, by=web(team.admin), expected_version=1, body=BODY + "\nTheirs.")
    client.force_login(team.editor)
    response = client.post(url("prds:edit", team.product.pk, prd.pk), mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this while you were editing" in html
    assert "both changed" in html
    assert "Mine." in html and "Theirs." in html
    assert "How your text differs from theirs" in html
    assert 'name="version" value="2"' in html  # saving again is a choice made against theirs
    prd.refresh_from_db()
    assert prd.body == BODY + "\nTheirs." and prd.revisions.count() == 2
    # Saving the rebased form keeps mine, deliberately.
    again = client.post(
        url("prds:edit", team.product.pk, prd.pk),
        edit_data(prd, body=BODY + "\nMine."),
    )
    assert again.status_code == 302
    prd.refresh_from_db()
    assert prd.body == BODY + "\nMine."


def test_a_large_body_saves_previews_and_reads(team, client, prd):
    paragraph = "The dispatcher sees every late vehicle within thirty seconds of it running late. "
    large = "\n\n".join(f"## Section {n}\n\n{paragraph * 8}" for n in range(200))
    assert len(large) > 130_000
    client.force_login(team.editor)
    response = client.post(url("prds:edit", team.product.pk, prd.pk), edit_data(prd, body=large))
    assert response.status_code == 302
    prd.refresh_from_db()
    assert prd.body == large
    last = prd.current_revision.toc[-1]
    assert last["title"] == "Section 199"
    preview = client.post(url("prds:preview", team.product.pk, prd.pk), {"body": large})
    assert preview.status_code == 200 and f'id="{last["id"]}"' in preview.content.decode()
    read = client.get(url("prds:read", team.product.pk, prd.pk))
    assert read.status_code == 200 and f'href="#{last["id"]}"' in read.content.decode()


# --- Status and deletion --------------------------------------------------------------------


def test_status_moves_and_refusals(team, client, prd):
    client.force_login(team.editor)
    target = url("prds:transition", team.product.pk, prd.pk)
    no_reviewer = client.post(target, {"status": "in_review", "version": prd.version})
    assert no_reviewer.status_code == 400
    assert "Request at least one reviewer" in no_reviewer.content.decode()
    disallowed = client.post(target, {"status": "shipped", "version": prd.version})
    assert disallowed.status_code == 400
    assert "cannot become shipped" in disallowed.content.decode()
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    moved = client.post(target, {"status": "in_review", "version": prd.version})
    assert moved.status_code == 302
    prd.refresh_from_db()
    assert prd.status == PrdStatus.IN_REVIEW
    early = client.post(target, {"status": "approved", "version": prd.version})
    assert early.status_code == 400
    assert "has not approved" in early.content.decode()
    stale = client.post(target, {"status": "draft", "version": prd.version - 1})
    assert stale.status_code == 302
    prd.refresh_from_db()
    assert prd.status == PrdStatus.IN_REVIEW
    services.review_submit(
        review=review, by=web(team.contributor), expected_version=1, verdict=Verdict.APPROVED
    )
    approved = client.post(target, {"status": "approved", "version": prd.version})
    assert approved.status_code == 302
    prd.refresh_from_db()
    assert prd.status == PrdStatus.APPROVED
    assert prd.current_revision.summary == "In review → Approved"


def test_delete_confirms_what_goes_then_deletes(team, client, prd):
    CriterionFactory(prd=prd)
    CommentFactory(prd=prd, author=team.contributor)
    client.force_login(team.editor)
    page = main_of(client.get(url("prds:delete", team.product.pk, prd.pk)))
    assert "1 revision" in page and "1 acceptance criterion" in page and "1 comment" in page
    stale = client.post(url("prds:delete", team.product.pk, prd.pk), {"version": 9})
    assert stale.status_code == 302 and Prd.objects.filter(pk=prd.pk).exists()
    response = client.post(url("prds:delete", team.product.pk, prd.pk), {"version": 1})
    assert response["Location"] == url("prds:list", team.product.pk)
    assert not Prd.objects.filter(pk=prd.pk).exists()


# --- History, compare, restore --------------------------------------------------------------


def _second_revision(prd, team):
    services.prd_update(
        prd=prd,
        by=web(team.admin),
        expected_version=prd.version,
        title="Late vehicles and drivers",
        body=BODY.replace("Cover them too.", "Cover them as well.") + "\n## Risks\n",
        summary="Risks and night shifts",
    )


def test_history_lists_revisions_newest_first_with_a_compare_form(team, client, prd):
    _second_revision(prd, team)
    client.force_login(team.viewer)
    html = main_of(client.get(url("prds:history", team.product.pk, prd.pk)))
    assert html.index('id="revision-2"') < html.index('id="revision-1"')
    assert "Risks and night shifts" in html and name(team.admin) in html
    assert re.search(r'name="from" value="1"[^>]*checked', html)
    assert re.search(r'name="to" value="2"[^>]*checked', html)
    assert f'action="{url("prds:compare", team.product.pk, prd.pk)}"' in html


def test_compare_shows_the_title_change_and_word_level_changes(team, client, prd):
    _second_revision(prd, team)
    client.force_login(team.viewer)
    response = client.get(url("prds:compare", team.product.pk, prd.pk) + "?from=1&to=2")
    assert response.status_code == 200
    html = main_of(response)
    assert "Title" in html and "<ins> and drivers</ins>" in html
    assert "<del>too</del>" in html and "<ins>as well</ins>" in html
    assert "## Risks" in html
    identical = client.get(url("prds:compare", team.product.pk, prd.pk) + "?from=2&to=2")
    assert identical.status_code == 200 and "No differences" in identical.content.decode()


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("", 400, "Choose two revisions"),
        ("?from=1", 400, "Choose two revisions"),
        ("?from=abc&to=1", 400, "Revisions are numbered"),
        ("?from=-1&to=1", 400, "Revisions are numbered"),
        ("?from=1&to=99999999999999999999", 400, "Revisions are numbered"),
        ("?from=1&to=99", 404, "This PRD has no revision 99."),
    ],
)
def test_compare_with_bad_numbers_says_so(team, client, prd, query, status, message):
    client.force_login(team.viewer)
    response = client.get(url("prds:compare", team.product.pk, prd.pk) + query)
    assert response.status_code == status
    assert message in response.content.decode()


def test_an_old_revision_reads_as_stored_and_restores_as_a_new_one(team, client, prd):
    _second_revision(prd, team)
    client.force_login(team.viewer)
    viewer_page = main_of(client.get(url("prds:revision", team.product.pk, prd.pk, 1)))
    assert "Cover them too." in viewer_page and "Restore" not in viewer_page
    assert client.get(url("prds:revision", team.product.pk, prd.pk, 9)).status_code == 404
    client.force_login(team.editor)
    page = main_of(client.get(url("prds:revision", team.product.pk, prd.pk, 1)))
    assert "Restore this revision" in page
    restore = url("prds:restore", team.product.pk, prd.pk, 1)
    stale = client.post(restore, {"version": 1})
    assert stale.status_code == 302
    prd.refresh_from_db()
    assert prd.revisions.count() == 2
    response = client.post(restore, {"version": prd.version})
    assert response.status_code == 302
    prd.refresh_from_db()
    revision = prd.current_revision
    assert revision.number == 3 and revision.restored_from == 1
    assert prd.title == "Late vehicles" and "Cover them too." in prd.body
    current = main_of(client.get(url("prds:revision", team.product.pk, prd.pk, 3)))
    assert "Restore this revision" not in current and "Current revision" in current


def test_word_diff_escapes_and_marks_only_what_changed():
    old, new = word_diff("Say <b>hello</b> to them", "Say <b>hi</b> to them")
    assert old == "Say &lt;b&gt;<del>hello</del>&lt;/b&gt; to them"
    assert new == "Say &lt;b&gt;<ins>hi</ins>&lt;/b&gt; to them"


def test_line_diff_folds_unchanged_stretches():
    old = "\n".join(f"line {n}" for n in range(100))
    new = old.replace("line 50", "line fifty")
    rows = line_diff(old, new)
    kinds = [row.kind for row in rows]
    assert kinds[0] == "fold" and kinds[-1] == "fold"
    assert kinds.count("replace") == 1 and kinds.count("equal") == 6
    assert rows[0].skipped == 47 and rows[-1].skipped == 46


# --- Reviews --------------------------------------------------------------------------------


def test_review_request_and_withdraw(team, client, prd):
    client.force_login(team.editor)
    target = url("prds:review-request", team.product.pk, prd.pk)
    page = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    menu = page.split('name="reviewer"')[1].split("</select>")[0]
    assert name(team.contributor) in menu and name(team.viewer) not in menu
    response = client.post(target, {"reviewer": team.contributor.pk})
    assert response.status_code == 302 and response["Location"].endswith("#reviews")
    review = Review.objects.get(prd=prd)
    again = client.post(target, {"reviewer": team.contributor.pk})
    assert again.status_code == 400
    assert "is already a reviewer" in again.content.decode()
    viewer = client.post(target, {"reviewer": team.viewer.pk})
    assert viewer.status_code == 400 and "Select a valid choice" in viewer.content.decode()
    withdraw = url("prds:review-withdraw", team.product.pk, prd.pk, review.pk)
    assert client.post(withdraw, {"version": 5}).status_code == 302
    assert Review.objects.filter(pk=review.pk).exists()
    client.post(withdraw, {"version": review.version})
    assert not Review.objects.filter(pk=review.pk).exists()


def test_the_reviewer_sees_the_verdict_form_and_must_explain_changes(team, client, prd):
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(
        prd=prd, by=web(team.editor), expected_version=prd.version, status=PrdStatus.IN_REVIEW
    )
    client.force_login(team.editor)
    assert "Your review" not in main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    client.force_login(team.contributor)
    page = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    assert "Your review" in page
    target = url("prds:review-submit", team.product.pk, prd.pk, review.pk)
    response = client.post(target, {"verdict": "changes_requested", "version": 1, "comment": ""})
    assert response.status_code == 400
    assert "Say what should change." in response.content.decode()
    response = client.post(
        target,
        {"verdict": "changes_requested", "version": 1, "comment": "Cover **night** shifts"},
    )
    assert response.status_code == 302
    page = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    assert "<strong>night</strong>" in page and "Changes requested" in page


def test_the_demo_flow_from_draft_to_approved(team, client, prd):
    client.force_login(team.editor)
    client.post(url("prds:review-request", team.product.pk, prd.pk), {"reviewer": team.admin.pk})
    prd.refresh_from_db()
    client.post(
        url("prds:transition", team.product.pk, prd.pk),
        {"status": "in_review", "version": prd.version},
    )
    review = Review.objects.get(prd=prd)
    client.force_login(team.admin)
    client.post(
        url("prds:review-submit", team.product.pk, prd.pk, review.pk),
        {"verdict": "approved", "version": review.version, "comment": "Ship it"},
    )
    prd.refresh_from_db()
    client.force_login(team.editor)
    response = client.post(
        url("prds:transition", team.product.pk, prd.pk),
        {"status": "approved", "version": prd.version},
    )
    assert response.status_code == 302
    prd.refresh_from_db()
    assert prd.status == PrdStatus.APPROVED


# --- Comments -------------------------------------------------------------------------------


def test_comments_on_the_prd_on_a_criterion_and_replies(team, client, prd):
    criterion = CriterionFactory(prd=prd)
    client.force_login(team.contributor)
    target = url("prds:comment-add", team.product.pk, prd.pk)
    response = client.post(target, {"body": "Does this cover **night** shifts?"})
    comment = Comment.objects.get()
    assert response["Location"] == url("prds:read", team.product.pk, prd.pk) + (
        f"#comment-{comment.pk}"
    )
    assert comment.criterion is None and "<strong>night</strong>" in comment.body_html
    on_criterion = client.post(target, {"body": "Amber or red?", "criterion": criterion.pk})
    assert on_criterion.status_code == 302
    assert Comment.objects.get(body="Amber or red?").criterion == criterion
    client.force_login(team.editor)
    reply = client.post(target, {"body": "Amber.", "parent": comment.pk})
    assert reply.status_code == 302
    assert Comment.objects.get(body="Amber.").parent == comment
    html = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    assert "Amber." in html and "Amber or red?" in html
    # A thread's Reply and a criterion's "Comment on this criterion" open the page's one comment
    # form, which prds.js clones in naming the comment replied to or the criterion.
    assert f'<details class="thread-reply" data-parent="{comment.pk}"><summary>Reply' in html
    row = html[html.index(f'id="ac-{criterion.pk}"') : html.index('id="prd-contracts"')]
    assert '<details class="thread-new"><summary>Comment on this criterion</summary>' in row
    form = re.search(r'<template id="comment-form-template">(.*?)</template>', html, re.S)
    assert f'<form method="post" action="{target}"' in form.group(1)
    assert 'name="csrfmiddlewaretoken"' in form.group(1) and 'name="body"' in form.group(1)


def test_refused_comments_keep_their_text_beside_the_error(team, client, prd):
    criterion = CriterionFactory(prd=prd)
    other = CriterionFactory()  # a criterion of another PRD
    root = CommentFactory(prd=prd, author=team.contributor)
    client.force_login(team.contributor)
    target = url("prds:comment-add", team.product.pk, prd.pk)
    empty = client.post(target, {"body": "   "})
    assert empty.status_code == 400 and "Write something." in empty.content.decode()
    foreign = client.post(target, {"body": "Kept text", "criterion": other.pk})
    assert foreign.status_code == 400
    assert "That criterion is not in this PRD" in foreign.content.decode()
    reply = client.post(target, {"body": "   ", "parent": root.pk})
    html = reply.content.decode()
    assert reply.status_code == 400
    assert re.search(r'<details class="thread-reply" open>', html)
    on_criterion = client.post(target, {"body": "", "criterion": criterion.pk})
    assert '<details class="thread-new" open>' in on_criterion.content.decode()
    assert Comment.objects.count() == 1


def test_comment_delete_confirms_and_takes_the_replies(team, client, prd):
    root = CommentFactory(prd=prd, author=team.contributor, body="Root")
    CommentFactory(prd=prd, author=team.editor, body="Reply", parent=root)
    client.force_login(team.contributor)
    page = main_of(client.get(url("prds:comment-delete", team.product.pk, prd.pk, root.pk)))
    assert "Its 1 reply goes with it." in page
    html = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    assert url("prds:comment-delete", team.product.pk, prd.pk, root.pk) in html
    client.post(url("prds:comment-delete", team.product.pk, prd.pk, root.pk), {"version": 1})
    assert not Comment.objects.exists()


def test_comment_markup_is_sanitised(team, client, prd):
    client.force_login(team.contributor)
    hostile = '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><script>1</script>'
    client.post(url("prds:comment-add", team.product.pk, prd.pk), {"body": hostile})
    html = main_of(client.get(url("prds:read", team.product.pk, prd.pk)))
    assert "onerror" not in html and "javascript:" not in html and "<script>1" not in html


# --- Templates ------------------------------------------------------------------------------


def test_templates_page_lists_builtin_read_only_and_ours_editable(team, client):
    ours = services.template_create(
        by=web(team.editor), product=team.product, name="Platform PRD", body="## Rollout"
    )
    standard = PrdTemplate.objects.get(name="Standard PRD", product=None)
    client.force_login(team.editor)
    html = main_of(client.get(url("prds:templates", team.product.pk)))
    assert "Platform PRD" in html and "Standard PRD" in html
    assert url("prds:template-edit", team.product.pk, ours.pk) in html
    assert url("prds:template-edit", team.product.pk, standard.pk) not in html
    assert f"?from={standard.pk}" in html  # copy it instead
    builtin = client.get(url("prds:template-edit", team.product.pk, standard.pk))
    assert builtin.status_code == 200 and "cannot be changed" in builtin.content.decode()
    refused = client.post(
        url("prds:template-edit", team.product.pk, standard.pk),
        {"name": "Mine", "body": "x", "version": 1},
    )
    assert refused.status_code == 403
    assert client.get(url("prds:template-delete", team.product.pk, standard.pk)).status_code == 403
    client.force_login(team.viewer)
    viewer_html = main_of(client.get(url("prds:templates", team.product.pk)))
    assert "Platform PRD" in viewer_html and "New template" not in viewer_html


def test_template_create_copy_edit_and_delete(team, client):
    standard = PrdTemplate.objects.get(name="Standard PRD", product=None)
    client.force_login(team.editor)
    copy = client.get(url("prds:template-create", team.product.pk) + f"?from={standard.pk}")
    assert "Standard PRD (copy)" in copy.content.decode()
    clash = client.post(
        url("prds:template-create", team.product.pk), {"name": "Standard PRD", "body": "x"}
    )
    assert clash.status_code == 400 and "already a template" in clash.content.decode()
    client.post(
        url("prds:template-create", team.product.pk),
        {"name": "Platform PRD", "description": "For platform work", "body": "## Rollout\r\n"},
    )
    ours = PrdTemplate.objects.get(name="Platform PRD")
    assert ours.product == team.product and ours.body == "## Rollout\n"
    response = client.post(
        url("prds:template-edit", team.product.pk, ours.pk),
        {
            "name": "Platform PRD v2",
            "description": "For platform work",
            "body": "## Rollout\n",
            "version": 1,
            "original_name": "Platform PRD",
            "original_description": "For platform work",
            "original_body": "## Rollout\n",
        },
    )
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.name == "Platform PRD v2" and ours.version == 2
    client.post(url("prds:template-delete", team.product.pk, ours.pk), {"version": 2})
    assert not PrdTemplate.objects.filter(pk=ours.pk).exists()


def test_template_stale_edit_of_the_same_text_is_a_conflict(team, client):
    ours = services.template_create(
        by=web(team.editor), product=team.product, name="Platform PRD", body="## Rollout"
    )
    services.template_update(template=ours, by=web(team.admin), expected_version=1, body="Theirs")
    client.force_login(team.editor)
    response = client.post(
        url("prds:template-edit", team.product.pk, ours.pk),
        {
            "name": "Platform PRD",
            "body": "Mine",
            "version": 1,
            "original_name": "Platform PRD",
            "original_description": "",
            "original_body": "## Rollout",
        },
    )
    assert response.status_code == 409
    assert "Mine" in response.content.decode() and "Theirs" in response.content.decode()
    ours.refresh_from_db()
    assert ours.body == "Theirs"


# --- Around the PRD pages -------------------------------------------------------------------


def test_sidebar_links_to_prds_and_item_pages_show_their_prds(team, client, prd):
    client.force_login(team.viewer)
    read = client.get(url("prds:read", team.product.pk, prd.pk)).content.decode()
    prds_url = url("prds:list", team.product.pk)
    assert f'<a href="{prds_url}" aria-current="page">PRDs</a>' in read
    item = prd.roadmap_items.get()
    page = main_of(client.get(url("roadmaps:item", team.product.pk, item.pk)))
    assert prd.get_absolute_url() in page and "Late vehicles" in page
    assert "badge-status-draft" in page


def test_other_users_cannot_own_a_prd_they_do_not_belong_to(team, client, prd):
    stranger = UserFactory()
    client.force_login(team.editor)
    response = client.post(
        url("prds:edit", team.product.pk, prd.pk), edit_data(prd, owner=str(stranger.pk))
    )
    assert response.status_code == 400
    prd.refresh_from_db()
    assert prd.owner == team.editor


@pytest.mark.parametrize("number", [0, 99, 99999999999999999999])
def test_revision_numbers_that_do_not_exist_are_404(team, client, prd, number):
    client.force_login(team.editor)
    assert client.get(url("prds:revision", team.product.pk, prd.pk, number)).status_code == 404
    restore = client.post(url("prds:restore", team.product.pk, prd.pk, number), {"version": 1})
    assert restore.status_code == 404


def test_a_preview_too_long_says_so_and_a_bad_status_is_a_clear_400(team, client, prd):
    client.force_login(team.editor)
    too_long = "x" * (BODY_MAX_LENGTH + 1)
    preview = client.post(url("prds:preview", team.product.pk, prd.pk), {"body": too_long})
    assert preview.status_code == 200
    assert f"at most {BODY_MAX_LENGTH} characters" in preview.content.decode()
    bogus = client.post(
        url("prds:transition", team.product.pk, prd.pk), {"status": "bogus", "version": 1}
    )
    assert bogus.status_code == 400
    assert "Choose a status" in bogus.content.decode()
