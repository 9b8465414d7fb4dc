"""The PRD API's resources: create, read, change and delete each one through the API, with the
field errors, refusals and links a client meets."""

import random

import pytest

from prds import services
from prds.diffs import DIFF_LINES_MAX
from prds.diffs import hunks as line_diff
from prds.models import (
    AcceptanceCriterion,
    Comment,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdStatus,
    PrdTemplate,
    Review,
    Verdict,
)
from products.activity import Actor
from products.models import Activity
from tests.conftest import client_for
from tests.factories import (
    CommentFactory,
    CriterionFactory,
    ExpectationFactory,
    PrdFactory,
    ProductFactory,
    ReviewFactory,
    RoadmapItemFactory,
)


@pytest.fixture
def editor_api(team):
    return client_for(team.editor, token_scope="write")


@pytest.fixture
def prd(team):
    return PrdFactory(product=team.product, owner=team.editor, title="Live ETA")


def _error_fields(response) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    return error["fields"]


def _as(user):
    return Actor(user=user, channel="web")


# --- PRDs ---------------------------------------------------------------------------------------


def test_editor_creates_a_prd_from_the_standard_template(team, editor_api):
    item = RoadmapItemFactory(product=team.product)
    template = PrdTemplate.objects.get(name="Standard PRD", product=None)
    response = editor_api.post(
        "/api/v1/prds/",
        {
            "product": team.product.pk,
            "title": "Live ETA for dispatchers",
            "template": template.pk,
            "owner": team.contributor.pk,
            "roadmap_items": [item.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["owner"] == team.contributor.pk
    assert body["owner_name"]
    assert body["roadmap_items"] == [item.pk]
    assert body["revision"] == 1
    assert body["body"] == template.body
    assert [entry["title"] for entry in body["toc"]][:2] == ["Problem", "Users"]
    assert "<h2" in body["body_html"]
    assert body["html_url"].endswith(f"/products/{team.product.pk}/prds/{body['id']}/")
    assert response["Location"] == f"/api/v1/prds/{body['id']}/"
    assert response["ETag"].startswith('"1-')


def test_a_prd_without_owner_or_template_is_the_callers_and_empty(team, editor_api):
    response = editor_api.post("/api/v1/prds/", {"product": team.product.pk, "title": "Blank"})
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == team.editor.pk
    assert response.json()["body"] == ""
    assert response.json()["body_html"] == ""


def test_a_prd_body_keeps_its_leading_spaces(team, editor_api):
    body = "    indented code\n\ntext\n"
    response = editor_api.post(
        "/api/v1/prds/", {"product": team.product.pk, "title": "Code", "body": body}
    )
    assert response.json()["body"] == body
    assert "<pre" in response.json()["body_html"]


def test_prd_create_refuses_links_outside_the_product(team, editor_api):
    elsewhere = ProductFactory()
    theirs = RoadmapItemFactory(product=elsewhere)
    their_template = PrdTemplate.objects.create(product=elsewhere, name="Theirs", body="x")
    fields = _error_fields(
        editor_api.post(
            "/api/v1/prds/",
            {
                "product": team.product.pk,
                "title": "Leaky",
                "roadmap_items": [theirs.pk],
                "template": their_template.pk,
                "owner": team.outsider.pk,
            },
        )
    )
    assert set(fields) == {"roadmap_items", "template", "owner"}
    assert not Prd.objects.exists()


def test_a_viewer_cannot_own_a_prd(team, editor_api):
    fields = _error_fields(
        editor_api.post(
            "/api/v1/prds/",
            {"product": team.product.pk, "title": "Mine", "owner": team.viewer.pk},
        )
    )
    assert "viewer" in fields["owner"][0]


def test_prd_list_filters_by_status_and_owner_without_bodies(team, editor_api, prd):
    other = PrdFactory(product=team.product, owner=team.admin)
    services.prd_transition(
        prd=other, by=_as(team.admin), expected_version=1, status=PrdStatus.SUPERSEDED
    )
    rows = editor_api.get("/api/v1/prds/", {"product": team.product.pk}).json()["results"]
    assert [row["id"] for row in rows] == [prd.pk, other.pk]
    assert "body" not in rows[0]
    drafts = editor_api.get("/api/v1/prds/", {"status": "draft"}).json()["results"]
    assert [row["id"] for row in drafts] == [prd.pk]
    owned = editor_api.get("/api/v1/prds/", {"owner": team.admin.pk}).json()["results"]
    assert [row["id"] for row in owned] == [other.pk]
    assert _error_fields(editor_api.get("/api/v1/prds/", {"status": "lost"}))["status"]


def test_prd_detail_shows_reviewers_and_criteria_counts(team, editor_api, prd):
    ReviewFactory(prd=prd, reviewer=team.contributor)
    first = CriterionFactory(prd=prd)
    CriterionFactory(prd=prd)
    services.criterion_update(
        criterion=first, by=_as(team.editor), expected_version=1, status="met"
    )
    body = editor_api.get(f"/api/v1/prds/{prd.pk}/").json()
    assert body["criteria_total"] == 2
    assert body["criteria_met"] == 1
    assert body["reviewers"] == [
        {
            "review": prd.reviews.get().pk,
            "reviewer": team.contributor.pk,
            "name": team.contributor.get_full_name(),
            "verdict": "pending",
        }
    ]
    assert [(entry["level"], entry["title"]) for entry in body["toc"]] == [
        (2, "Problem"),
        (2, "Goals"),
    ]
    assert all(f'id="{entry["id"]}"' in body["body_html"] for entry in body["toc"])


def test_prd_etag_changes_when_a_verdict_or_criterion_changes(team, editor_api, prd):
    first = editor_api.get(f"/api/v1/prds/{prd.pk}/")
    etag = first["ETag"]
    assert editor_api.get(f"/api/v1/prds/{prd.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    CriterionFactory(prd=prd)
    again = editor_api.get(f"/api/v1/prds/{prd.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again.json()["criteria_total"] == 1
    assert again["ETag"] != etag
    # The version is what If-Match is about: the digest after it does not matter.
    response = editor_api.patch(
        f"/api/v1/prds/{prd.pk}/", {"title": "Live ETA v2"}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content


def test_editing_a_prd_makes_a_revision_with_its_summary(team, editor_api, prd):
    response = editor_api.patch(
        f"/api/v1/prds/{prd.pk}/",
        {"body": "## Problem\n\nNew text", "summary": "Sharper problem", "version": 1},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 2
    assert body["version"] == 2
    assert [entry["title"] for entry in body["toc"]] == ["Problem"]
    assert prd.revisions.get(number=2).summary == "Sharper problem"
    activity = Activity.objects.filter(product=team.product).latest("id")
    assert activity.channel == "api"


def test_prd_put_replaces_title_and_keeps_the_body_it_omits(team, editor_api, prd):
    response = editor_api.put(
        f"/api/v1/prds/{prd.pk}/", {"title": "Renamed", "owner": team.admin.pk, "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Renamed"
    assert response.json()["owner"] == team.admin.pk
    assert response.json()["body"] == prd.body
    assert _error_fields(editor_api.put(f"/api/v1/prds/{prd.pk}/", {"version": 2}))["title"]


def test_prd_status_is_not_written_by_patch(team, editor_api, prd):
    response = editor_api.patch(f"/api/v1/prds/{prd.pk}/", {"status": "approved", "version": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    prd.refresh_from_db()
    assert prd.status == "draft"


def test_editor_deletes_a_prd(team, editor_api, prd):
    CriterionFactory(prd=prd)
    response = editor_api.delete(f"/api/v1/prds/{prd.pk}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 204
    assert not Prd.objects.exists()
    assert not AcceptanceCriterion.objects.exists()
    assert editor_api.get(f"/api/v1/prds/{prd.pk}/").status_code == 404


# --- The workflow -------------------------------------------------------------------------------


def _transition(client, prd, status: str, version: int):
    return client.post(f"/api/v1/prds/{prd.pk}/transition/", {"status": status, "version": version})


def test_a_prd_goes_through_review_to_approval(team, editor_api, prd):
    ReviewFactory(prd=prd, reviewer=team.contributor)
    response = _transition(editor_api, prd, "in_review", 1)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review"
    review = prd.reviews.get()
    reviewer = client_for(team.contributor, token_scope="write")
    verdict = reviewer.patch(
        f"/api/v1/reviews/{review.pk}/",
        {"verdict": "approved", "comment": "Ship it", "version": 1},
    )
    assert verdict.status_code == 200, verdict.content
    assert verdict.json()["verdict"] == "approved"
    assert verdict.json()["revision_number"] == 2
    assert "<p>Ship it</p>" in verdict.json()["comment_html"]
    response = _transition(editor_api, prd, "approved", 2)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["revision"] == 3
    assert response.json()["reviewers"][0]["verdict"] == "approved"


def test_a_disallowed_transition_is_refused_with_the_allowed_ones(team, editor_api, prd):
    fields = _error_fields(_transition(editor_api, prd, "shipped", 1))
    assert "cannot become shipped" in fields["status"][0]
    assert "in review" in fields["status"][0]
    prd.refresh_from_db()
    assert prd.status == PrdStatus.DRAFT
    assert prd.version == 1


def test_review_needs_a_reviewer_first(team, editor_api, prd):
    fields = _error_fields(_transition(editor_api, prd, "in_review", 1))
    assert "reviewer" in fields["status"][0]


def test_approval_without_every_reviewer_lists_who_is_missing(team, editor_api, prd):
    ReviewFactory(prd=prd, reviewer=team.contributor)
    ReviewFactory(prd=prd, reviewer=team.admin)
    services.prd_transition(prd=prd, by=_as(team.editor), expected_version=1, status="in_review")
    review = prd.reviews.get(reviewer=team.admin)
    services.review_submit(
        review=review, by=_as(team.admin), expected_version=1, verdict=Verdict.APPROVED
    )
    fields = _error_fields(_transition(editor_api, prd, "approved", 2))
    assert fields["status"][0] == "Approval needs every reviewer."
    assert len(fields["status"]) == 2
    assert team.contributor.get_full_name() in fields["status"][1]
    prd.refresh_from_db()
    assert prd.status == PrdStatus.IN_REVIEW


def test_an_unknown_status_is_a_field_error(team, editor_api, prd):
    assert _error_fields(_transition(editor_api, prd, "launched", 1))["status"]


# --- Revisions ----------------------------------------------------------------------------------


@pytest.fixture
def revised(team, prd):
    """Three revisions: the factory's, a new body, then a new title and body."""
    services.prd_update(
        prd=prd,
        by=_as(team.editor),
        expected_version=1,
        body="## Problem\n\nDispatchers cannot see late vehicles.\n\n## Goals\n\n- See it.",
        summary="Sharper",
    )
    services.prd_update(
        prd=prd,
        by=_as(team.admin),
        expected_version=2,
        title="Live ETA v2",
        body="## Problem\n\nDispatchers cannot see late vehicles.\n\n## Goals\n\n- See it.\n"
        "- Act on it.",
    )
    return prd


def test_revisions_list_newest_first(team, editor_api, revised):
    response = editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["number"] for row in rows] == [3, 2, 1]
    assert rows[1]["summary"] == "Sharper"
    assert rows[1]["author"] == team.editor.pk
    assert rows[0]["author_name"] == team.admin.get_full_name()
    assert rows[2]["author"] is None  # the factory's task
    assert rows[0]["html_url"].endswith(f"/prds/{revised.pk}/history/3/")
    assert "body" not in rows[0]
    page = editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/", {"page_size": 2}).json()
    assert [row["number"] for row in page["results"]] == [3, 2]
    following = editor_api.get(page["next"]).json()
    assert [row["number"] for row in following["results"]] == [1]


def test_a_revision_has_its_text_and_html(team, editor_api, revised):
    response = editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/2/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 2
    assert "late vehicles" in body["body"]
    assert "<h2" in body["body_html"]
    assert body["title"] == "Live ETA"
    assert editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/9/").status_code == 404
    big = "9" * 18
    assert editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/{big}/").status_code == 404


def test_the_diff_of_two_revisions_is_line_by_line_with_the_title(team, editor_api, revised):
    response = editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/diff/", {"from": 2, "to": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["from_revision"] == 2
    assert body["to_revision"] == 3
    assert body["title"] == {"old": "Live ETA", "new": "Live ETA v2", "changed": True}
    assert body["status"]["changed"] is False
    changed = [hunk for hunk in body["hunks"] if hunk["op"] != "equal"]
    assert changed == [
        {
            "op": "insert",
            "old_start": 8,
            "new_start": 8,
            "old_lines": [],
            "new_lines": ["- Act on it."],
        }
    ]
    # Lines in order rebuild both texts.
    old_text = "\n".join(line for hunk in body["hunks"] for line in hunk["old_lines"])
    assert old_text == revised.revisions.get(number=2).body


def test_the_diff_marks_replaced_and_deleted_lines(team, editor_api, revised):
    body = editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/diff/", {"from": 1, "to": 2}).json()
    ops = {hunk["op"] for hunk in body["hunks"]}
    assert "replace" in ops
    reverse = editor_api.get(
        f"/api/v1/prds/{revised.pk}/revisions/diff/", {"from": 3, "to": 2}
    ).json()
    assert [hunk["op"] for hunk in reverse["hunks"] if hunk["op"] != "equal"] == ["delete"]


def _rebuilt(hunks) -> tuple[list[str], list[str]]:
    old = [line for hunk in hunks for line in hunk["old_lines"]]
    return old, [line for hunk in hunks for line in hunk["new_lines"]]


def test_a_line_diff_always_rebuilds_both_texts():
    rng = random.Random(4)
    for _ in range(300):
        old = [rng.choice("abcde") for _ in range(rng.randint(0, 30))]
        new = [rng.choice("abcde") for _ in range(rng.randint(0, 30))]
        hunks = line_diff("\n".join(old), "\n".join(new))
        assert _rebuilt(hunks) == (old, new)
        for hunk in hunks:
            start = hunk["old_start"] - 1
            assert old[start : start + len(hunk["old_lines"])] == hunk["old_lines"]
            assert {"equal": hunk["old_lines"] == hunk["new_lines"],
                    "insert": not hunk["old_lines"], "delete": not hunk["new_lines"],
                    "replace": True}[hunk["op"]]  # fmt: skip


def test_a_change_too_big_to_compare_is_one_replaced_run():
    lines = [f"line {n}" for n in range(DIFF_LINES_MAX + 10)]
    shuffled = ["first", *lines[::2], *lines[1::2], "last"]
    hunks = line_diff("\n".join(["first", *lines, "last"]), "\n".join(shuffled))
    assert [hunk["op"] for hunk in hunks] == ["equal", "replace", "equal"]
    assert _rebuilt(hunks) == (["first", *lines, "last"], shuffled)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"to": 2}, "from"),
        ({"from": "one", "to": 2}, "from"),
        ({"from": 1, "to": 0}, "to"),
        ({"from": 1, "to": 2**40}, "to"),
    ],
)
def test_a_diff_with_bad_numbers_is_a_400(team, editor_api, revised, params, field):
    fields = _error_fields(editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/diff/", params))
    assert field in fields


def test_a_diff_with_an_unknown_revision_is_a_404(team, editor_api, revised):
    response = editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/diff/", {"from": 1, "to": 7})
    assert response.status_code == 404
    assert "7" in response.json()["error"]["message"]


def test_restoring_an_old_revision_makes_a_new_one(team, editor_api, revised):
    response = editor_api.post(f"/api/v1/prds/{revised.pk}/restore/", {"revision": 1, "version": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 4
    assert body["title"] == "Live ETA"
    assert body["body"] == revised.revisions.get(number=1).body
    newest = editor_api.get(f"/api/v1/prds/{revised.pk}/revisions/").json()["results"][0]
    assert newest["restored_from"] == 1
    assert newest["summary"] == "Restored revision 1"


def test_restoring_an_unknown_revision_is_a_field_error(team, editor_api, revised):
    fields = _error_fields(
        editor_api.post(f"/api/v1/prds/{revised.pk}/restore/", {"revision": 12, "version": 3})
    )
    assert fields["revision"] == ["This PRD has no revision 12."]
    assert revised.revisions.count() == 3


# --- Acceptance criteria ------------------------------------------------------------------------


def test_editor_adds_criteria_of_both_kinds(team, editor_api, prd):
    response = editor_api.post(
        "/api/v1/acceptance-criteria/",
        {
            "prd": prd.pk,
            "given": "a dispatcher on the **live** map",
            "when": "a vehicle is late",
            "then": "its marker turns amber",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "scenario"
    assert body["status"] == "open"
    assert body["anchor"] == f"ac-{body['id']}"
    assert body["html_url"].endswith(f"/prds/{prd.pk}/#ac-{body['id']}")
    assert "<strong>live</strong>" in body["html"]["given"]
    assert body["product"] == team.product.pk
    text = editor_api.post(
        "/api/v1/acceptance-criteria/",
        {"prd": prd.pk, "kind": "text", "text": "Works offline", "status": "waived"},
    )
    assert text.status_code == 201, text.content
    assert text.json()["rank"] > body["rank"]
    rows = editor_api.get("/api/v1/acceptance-criteria/", {"prd": prd.pk}).json()["results"]
    assert [row["id"] for row in rows] == [body["id"], text.json()["id"]]


def test_a_scenario_needs_given_when_then(team, editor_api, prd):
    fields = _error_fields(
        editor_api.post("/api/v1/acceptance-criteria/", {"prd": prd.pk, "given": "x"})
    )
    assert set(fields) == {"when", "then"}
    assert _error_fields(
        editor_api.post("/api/v1/acceptance-criteria/", {"prd": prd.pk, "kind": "text"})
    )["text"]
    assert not AcceptanceCriterion.objects.exists()


def test_a_contributor_sets_a_criterions_status_but_nothing_else(team, prd):
    criterion = CriterionFactory(prd=prd)
    contributor = client_for(team.contributor, token_scope="write")
    url = f"/api/v1/acceptance-criteria/{criterion.pk}/"
    response = contributor.patch(url, {"status": "met", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "met"
    refused = contributor.patch(url, {"status": "failed", "then": "nothing", "version": 2})
    assert refused.status_code == 403
    criterion.refresh_from_db()
    assert (criterion.status, criterion.version) == ("met", 2)
    # The whole criterion sent back with only its status changed is a status change.
    echoed = {**contributor.get(url).json(), "status": "waived"}
    assert contributor.put(url, echoed).status_code == 200
    editor = client_for(team.editor, token_scope="write")
    changed = editor.patch(url, {"then": "it turns **red**", "version": 3})
    assert changed.status_code == 200, changed.content
    assert "<strong>red</strong>" in changed.json()["html"]["then"]


def test_a_status_only_put_leaves_the_rest_of_a_criterion(team, prd):
    criterion = CriterionFactory(
        prd=prd, kind="text", text="Works offline", given="", when="", then=""
    )
    contributor = client_for(team.contributor, token_scope="write")
    response = contributor.put(
        f"/api/v1/acceptance-criteria/{criterion.pk}/", {"status": "failed", "version": 1}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["status"]) == ("text", "failed")


def test_criteria_move_after_another_or_to_the_top(team, editor_api, prd):
    first, second, third = (CriterionFactory(prd=prd) for _ in range(3))
    response = editor_api.post(
        f"/api/v1/acceptance-criteria/{first.pk}/move/", {"after": third.pk, "version": 1}
    )
    assert response.status_code == 200, response.content
    assert list(prd.criteria.values_list("pk", flat=True)) == [second.pk, third.pk, first.pk]
    response = editor_api.post(
        f"/api/v1/acceptance-criteria/{third.pk}/move/", {"after": None, "version": 1}
    )
    assert response.status_code == 200, response.content
    assert list(prd.criteria.values_list("pk", flat=True)) == [third.pk, second.pk, first.pk]


def test_a_criterion_moves_only_within_its_prd(team, editor_api, prd):
    mine = CriterionFactory(prd=prd)
    other_prd = CriterionFactory(prd=PrdFactory(product=team.product, owner=team.editor))
    elsewhere = CriterionFactory(prd=PrdFactory(owner=team.outsider))
    url = f"/api/v1/acceptance-criteria/{mine.pk}/move/"
    assert _error_fields(editor_api.post(url, {"after": other_prd.pk, "version": 1}))["after"]
    fields = _error_fields(editor_api.post(url, {"after": elsewhere.pk, "version": 1}))
    assert fields["after"] == [f"This product has no acceptance criterion with id {elsewhere.pk}."]


def test_editor_deletes_a_criterion(team, editor_api, prd):
    criterion = CriterionFactory(prd=prd)
    response = editor_api.delete(
        f"/api/v1/acceptance-criteria/{criterion.pk}/", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 204
    assert not AcceptanceCriterion.objects.exists()


# --- Performance expectations -------------------------------------------------------------------


def test_expectations_are_created_changed_and_deleted(team, editor_api, prd):
    response = editor_api.post(
        "/api/v1/performance-expectations/",
        {
            "prd": prd.pk,
            "metric": "p95 latency of GET /vehicles",
            "comparator": "<",
            "target": "200",
            "unit": "ms",
            "context": "10k vehicles, warm cache",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["target"] == "200.000"
    assert body["position"] == 0
    assert body["html_url"].endswith(f"/prds/{prd.pk}/")
    url = f"/api/v1/performance-expectations/{body['id']}/"
    changed = editor_api.patch(url, {"target": "150.5", "version": 1})
    assert changed.status_code == 200, changed.content
    assert changed.json()["target"] == "150.500"
    assert _error_fields(editor_api.patch(url, {"comparator": "~", "version": 2}))["comparator"]
    assert _error_fields(editor_api.patch(url, {"target": "1e20", "version": 2}))["target"]
    assert editor_api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not PerformanceExpectation.objects.exists()


def test_expectation_list_filters_by_prd(team, editor_api, prd):
    mine = ExpectationFactory(prd=prd)
    ExpectationFactory(prd=PrdFactory(product=team.product, owner=team.editor))
    rows = editor_api.get("/api/v1/performance-expectations/", {"prd": prd.pk}).json()
    assert [row["id"] for row in rows["results"]] == [mine.pk]


# --- Decisions ----------------------------------------------------------------------------------

OPTIONS = [
    {
        "name": "Poll",
        "cost": "low",
        "scalability": "fine to 5k vehicles",
        "maintenance": "none",
        "business_impact": "30 s delay",
    },
    {"name": "Push", "cost": "high"},
]


def test_a_decision_records_its_options(team, editor_api, prd):
    response = editor_api.post(
        "/api/v1/decisions/",
        {
            "prd": prd.pk,
            "title": "How positions arrive",
            "context": "Vehicles report **every** 10 s.",
            "options": OPTIONS,
            "choice": "Poll",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["options"][1] == {
        "name": "Push",
        "cost": "high",
        "scalability": "",
        "maintenance": "",
        "business_impact": "",
    }
    assert body["decided_by"] == team.editor.pk
    assert body["decided_by_name"] == team.editor.get_full_name()
    assert "<strong>every</strong>" in body["context_html"]
    assert body["decided_on"]
    url = f"/api/v1/decisions/{body['id']}/"
    changed = editor_api.patch(url, {"choice": "Push", "decided_by": team.admin.pk, "version": 1})
    assert changed.status_code == 200, changed.content
    assert changed.json()["decided_by"] == team.admin.pk
    assert editor_api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    "options, message",
    [
        ([], "Ensure this field has at least 1 elements."),
        ([{"cost": "low"}], "Option 1: name: This field is required."),
        ([{"name": "A"}, {"name": "B", "cost": ["low"]}], "Option 2: cost: Not a valid string."),
        ([{"name": "A"}, "B"], "Option 2: Invalid data. Expected a dictionary, but got str."),
        ("Poll", 'Expected a list of items but got type "str".'),
    ],
)
def test_decision_options_are_checked_one_by_one(team, editor_api, prd, options, message):
    fields = _error_fields(
        editor_api.post(
            "/api/v1/decisions/",
            {"prd": prd.pk, "title": "T", "options": options, "choice": "A"},
        )
    )
    assert fields["options"] == [message]


# --- Reviews ------------------------------------------------------------------------------------


def test_editor_requests_and_withdraws_a_reviewer(team, editor_api, prd):
    response = editor_api.post("/api/v1/reviews/", {"prd": prd.pk, "reviewer": team.admin.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verdict"] == "pending"
    assert body["requested_by"] == team.editor.pk
    assert body["reviewer_name"] == team.admin.get_full_name()
    again = editor_api.post("/api/v1/reviews/", {"prd": prd.pk, "reviewer": team.admin.pk})
    assert "already a reviewer" in _error_fields(again)["reviewer"][0]
    viewer = editor_api.post("/api/v1/reviews/", {"prd": prd.pk, "reviewer": team.viewer.pk})
    assert "viewer" in _error_fields(viewer)["reviewer"][0]
    withdrawn = editor_api.delete(f"/api/v1/reviews/{body['id']}/", HTTP_IF_MATCH='"1"')
    assert withdrawn.status_code == 204
    assert not Review.objects.exists()


def test_only_the_requested_reviewer_gives_a_verdict(team, prd):
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(prd=prd, by=_as(team.editor), expected_version=1, status="in_review")
    url = f"/api/v1/reviews/{review.pk}/"
    for someone in (team.admin, team.editor, team.viewer):
        response = client_for(someone, token_scope="write").patch(
            url, {"verdict": "approved", "version": 1}
        )
        assert response.status_code == 403, someone
        assert "requested reviewer" in response.json()["error"]["message"]
    review.refresh_from_db()
    assert review.verdict == Verdict.PENDING


def test_requesting_changes_needs_a_comment_and_a_prd_in_review(team, prd):
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    reviewer = client_for(team.contributor, token_scope="write")
    url = f"/api/v1/reviews/{review.pk}/"
    early = reviewer.patch(url, {"verdict": "approved", "version": 1})
    assert "not in review" in _error_fields(early)["verdict"][0]
    services.prd_transition(prd=prd, by=_as(team.editor), expected_version=1, status="in_review")
    bare = reviewer.patch(url, {"verdict": "changes_requested", "version": 1})
    assert _error_fields(bare)["comment"]
    pending = reviewer.patch(url, {"verdict": "pending", "version": 1})
    assert _error_fields(pending)["verdict"]
    no_verdict = reviewer.patch(url, {"comment": "Looks fine", "version": 1})
    assert _error_fields(no_verdict)["verdict"] == ["This field is required."]
    response = reviewer.patch(
        url, {"verdict": "changes_requested", "comment": "Add night shifts", "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["verdict"] == "changes_requested"


def test_reviews_filter_by_reviewer_and_verdict(team, editor_api, prd):
    mine = ReviewFactory(prd=prd, reviewer=team.contributor)
    ReviewFactory(prd=prd, reviewer=team.admin)
    rows = editor_api.get("/api/v1/reviews/", {"reviewer": team.contributor.pk}).json()
    assert [row["id"] for row in rows["results"]] == [mine.pk]
    assert len(editor_api.get("/api/v1/reviews/", {"verdict": "pending"}).json()["results"]) == 2


# --- Comments -----------------------------------------------------------------------------------


def test_a_contributor_comments_on_a_criterion_and_replies(team, prd):
    criterion = CriterionFactory(prd=prd)
    contributor = client_for(team.contributor, token_scope="write")
    response = contributor.post(
        "/api/v1/comments/",
        {"prd": prd.pk, "criterion": criterion.pk, "body": "Night shifts **too**?"},
    )
    assert response.status_code == 201, response.content
    comment = response.json()
    assert comment["author"] == team.contributor.pk
    assert comment["criterion"] == criterion.pk
    assert "<strong>too</strong>" in comment["body_html"]
    assert comment["html_url"].endswith(f"/prds/{prd.pk}/#comment-{comment['id']}")
    reply = client_for(team.editor).post(
        "/api/v1/comments/", {"prd": prd.pk, "parent": comment["id"], "body": "Yes."}
    )
    assert reply.status_code == 201, reply.content
    assert reply.json()["parent"] == comment["id"]
    assert reply.json()["criterion"] == criterion.pk  # a reply stays on its criterion
    on_criterion = contributor.get("/api/v1/comments/", {"criterion": criterion.pk}).json()
    assert [row["id"] for row in on_criterion["results"]] == [comment["id"], reply.json()["id"]]


def test_a_comment_is_checked(team, prd):
    contributor = client_for(team.contributor, token_scope="write")
    assert _error_fields(contributor.post("/api/v1/comments/", {"prd": prd.pk, "body": "  "}))
    other = CriterionFactory(prd=PrdFactory(product=team.product, owner=team.editor))
    fields = _error_fields(
        contributor.post("/api/v1/comments/", {"prd": prd.pk, "criterion": other.pk, "body": "Hm"})
    )
    assert fields["criterion"] == ["That criterion belongs to another PRD."]
    assert not Comment.objects.exists()


def test_a_comment_is_deleted_by_its_author_or_an_admin(team, prd):
    first = CommentFactory(prd=prd, author=team.contributor)
    second = CommentFactory(prd=prd, author=team.contributor)
    editor = client_for(team.editor, token_scope="write")
    refused = editor.delete(f"/api/v1/comments/{first.pk}/", HTTP_IF_MATCH='"1"')
    assert refused.status_code == 403
    author = client_for(team.contributor, token_scope="write")
    assert author.delete(f"/api/v1/comments/{first.pk}/", HTTP_IF_MATCH='"1"').status_code == 204
    admin = client_for(team.admin, token_scope="write")
    assert admin.delete(f"/api/v1/comments/{second.pk}/", HTTP_IF_MATCH='"1"').status_code == 204
    assert not Comment.objects.exists()


def test_comments_are_not_edited(team, prd):
    comment = CommentFactory(prd=prd, author=team.contributor)
    author = client_for(team.contributor, token_scope="write")
    response = author.patch(f"/api/v1/comments/{comment.pk}/", {"body": "x", "version": 1})
    assert response.status_code == 405


# --- Templates ----------------------------------------------------------------------------------


def test_templates_list_the_builtin_ones_and_the_products(team, editor_api):
    ours = PrdTemplate.objects.create(product=team.product, name="Spike", body="## Question")
    PrdTemplate.objects.create(product=ProductFactory(), name="Theirs", body="x")
    rows = editor_api.get("/api/v1/prd-templates/").json()["results"]
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {"Standard PRD", "Spike"}
    assert by_name["Standard PRD"]["builtin"] is True
    assert by_name["Standard PRD"]["html_url"] is None
    assert by_name["Spike"]["html_url"].endswith(
        f"/products/{team.product.pk}/prd-templates/{ours.pk}/"
    )
    one = editor_api.get("/api/v1/prd-templates/", {"product": team.product.pk}).json()
    assert {row["name"] for row in one["results"]} == {"Standard PRD", "Spike"}
    builtin = editor_api.get("/api/v1/prd-templates/", {"builtin": "true"}).json()
    assert [row["name"] for row in builtin["results"]] == ["Standard PRD"]


def test_asking_for_templates_of_an_invisible_product_is_a_404(team):
    response = client_for(team.outsider).get("/api/v1/prd-templates/", {"product": team.product.pk})
    assert response.status_code == 404


def test_editor_writes_the_products_templates(team, editor_api):
    response = editor_api.post(
        "/api/v1/prd-templates/",
        {"product": team.product.pk, "name": "Spike", "body": "## Question\n"},
    )
    assert response.status_code == 201, response.content
    url = f"/api/v1/prd-templates/{response.json()['id']}/"
    changed = editor_api.patch(url, {"description": "For a timeboxed spike", "version": 1})
    assert changed.status_code == 200, changed.content
    clash = editor_api.patch(url, {"name": "Standard PRD", "version": 2})
    assert "already a template" in _error_fields(clash)["name"][0]
    assert editor_api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204


def test_builtin_templates_are_read_only(team, editor_api):
    builtin = PrdTemplate.objects.get(name="Standard PRD", product=None)
    url = f"/api/v1/prd-templates/{builtin.pk}/"
    assert editor_api.get(url).status_code == 200
    admin = client_for(team.admin, token_scope="write")
    assert admin.patch(url, {"name": "Mine", "version": 1}).status_code == 403
    assert admin.put(url, {"name": "Mine", "body": "x", "version": 1}).status_code == 403
    assert admin.delete(url, HTTP_IF_MATCH='"1"').status_code == 403
    builtin.refresh_from_db()
    assert builtin.name == "Standard PRD"
