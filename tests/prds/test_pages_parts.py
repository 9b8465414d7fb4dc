"""The PRD's structured parts in the browser's terms: acceptance criteria (checklist, inline
status, reorder), API contracts (endpoints, revisions, breaking changes), performance
expectations and decisions. Access for every page and write endpoint, no write controls for
viewers, bad input as field errors, stale saves as conflicts, and a reorder that writes one row."""

import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prds import services
from prds.models import (
    AcceptanceCriterion,
    ApiContract,
    CriterionStatus,
    Decision,
    PerformanceExpectation,
)
from prds.templatetags.prds_tags import chosen_option
from products.activity import Actor
from tests.factories import (
    MINIMAL_CONTRACT,
    CommentFactory,
    ContractFactory,
    CriterionFactory,
    DecisionFactory,
    ExpectationFactory,
    PrdFactory,
)
from tests.roadmaps.pages import CALLERS, ROLES, expected_status, log_in

HTMX = {"HTTP_HX_REQUEST": "true"}

# A second revision of MINIMAL_CONTRACT that breaks its clients twice: the response field
# `plate` is gone and `id` became a string.
BREAKING_CONTRACT = MINIMAL_CONTRACT.replace("id: {type: integer}", "id: {type: string}").replace(
    "                    plate: {type: string}\n", ""
)


@pytest.fixture
def parts(team):
    """A PRD of the team's product with one of each part."""
    prd = PrdFactory(product=team.product, owner=team.editor, title="Live ETAs")
    first = CriterionFactory(prd=prd, given="a dispatcher on the map", when="a van is late")
    second = CriterionFactory(
        prd=prd, kind="text", given="", when="", then="", text="Works **offline**"
    )
    third = CriterionFactory(prd=prd)
    return SimpleNamespace(
        product=team.product,
        prd=prd,
        criteria=[first, second, third],
        criterion=first,
        contract=ContractFactory(prd=prd, name="Fleet API"),
        expectation=ExpectationFactory(prd=prd, metric="p95 latency of GET /vehicles"),
        decision=DecisionFactory(prd=prd, title="Poll or push"),
    )


def _url(name: str, parts, *args) -> str:
    return reverse(f"prds:{name}", args=[parts.product.pk, parts.prd.pk, *args])


def _read(client, parts):
    return client.get(_url("read", parts))


def _toast(response) -> str:
    return json.loads(response["HX-Trigger"])["lodestar:toast"]["text"]


def _ids(parts) -> list[int]:
    return list(parts.prd.criteria.order_by("rank", "id").values_list("pk", flat=True))


# --- Access -------------------------------------------------------------------------------------

READ_PAGES = {
    "contract": lambda p: _url("contract", p, p.contract.pk),
    "contract compare": lambda p: _url("contract-compare", p, p.contract.pk),
}
EDIT_PAGES = {
    "criterion create": lambda p: _url("criterion-create", p),
    "criterion edit": lambda p: _url("criterion-edit", p, p.criterion.pk),
    "contract create": lambda p: _url("contract-create", p),
    "contract edit": lambda p: _url("contract-edit", p, p.contract.pk),
    "expectation create": lambda p: _url("expectation-create", p),
    "expectation edit": lambda p: _url("expectation-edit", p, p.expectation.pk),
    "decision create": lambda p: _url("decision-create", p),
    "decision edit": lambda p: _url("decision-edit", p, p.decision.pk),
}
# Every write; the status of a criterion is a contributor's, the rest an editor's.
WRITES = {
    "criterion create": ("editor", lambda p: _url("criterion-create", p)),
    "criterion edit": ("editor", lambda p: _url("criterion-edit", p, p.criterion.pk)),
    "criterion status": ("contributor", lambda p: _url("criterion-status", p, p.criterion.pk)),
    "criterion move": ("editor", lambda p: _url("criterion-move", p, p.criterion.pk)),
    "criterion delete": ("editor", lambda p: _url("criterion-delete", p, p.criterion.pk)),
    "contract create": ("editor", lambda p: _url("contract-create", p)),
    "contract edit": ("editor", lambda p: _url("contract-edit", p, p.contract.pk)),
    "contract delete": ("editor", lambda p: _url("contract-delete", p, p.contract.pk)),
    "expectation create": ("editor", lambda p: _url("expectation-create", p)),
    "expectation edit": ("editor", lambda p: _url("expectation-edit", p, p.expectation.pk)),
    "expectation delete": ("editor", lambda p: _url("expectation-delete", p, p.expectation.pk)),
    "decision create": ("editor", lambda p: _url("decision-create", p)),
    "decision edit": ("editor", lambda p: _url("decision-edit", p, p.decision.pk)),
    "decision delete": ("editor", lambda p: _url("decision-delete", p, p.decision.pk)),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("page", READ_PAGES)
def test_contract_pages_are_readable_by_every_member_only(parts, team, client, caller, page):
    log_in(client, team, caller)
    response = client.get(READ_PAGES[page](parts))
    assert response.status_code == expected_status(caller, "viewer", 200)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("page", EDIT_PAGES)
def test_part_forms_are_for_editors(parts, team, client, caller, page):
    log_in(client, team, caller)
    response = client.get(EDIT_PAGES[page](parts))
    assert response.status_code == expected_status(caller, "editor", 200)


@pytest.mark.parametrize("caller", ["viewer", "outsider", "anonymous", "contributor"])
@pytest.mark.parametrize("write", WRITES)
def test_writes_are_refused_below_their_role_and_hidden_from_non_members(
    parts, team, client, caller, write
):
    minimum, url = WRITES[write]
    log_in(client, team, caller)
    before = _snapshot(parts)
    # A well-formed request: only the role can refuse it.
    response = client.post(url(parts), {"version": 1, "status": "met", "step": "down"})
    expected = expected_status(caller, minimum, None)
    if expected is None:  # a contributor's own write (the status): allowed
        assert response.status_code in (200, 302)
        return
    assert response.status_code == expected
    assert _snapshot(parts) == before


def _snapshot(parts) -> tuple:
    return (
        list(AcceptanceCriterion.objects.values_list("pk", "version", "status", "rank")),
        list(ApiContract.objects.values_list("pk", "version")),
        list(PerformanceExpectation.objects.values_list("pk", "version")),
        list(Decision.objects.values_list("pk", "version")),
    )


def test_a_part_of_another_prd_is_not_found(parts, team, client):
    other = PrdFactory(product=team.product, owner=team.editor)
    client.force_login(team.editor)
    url = reverse("prds:criterion-edit", args=[team.product.pk, other.pk, parts.criterion.pk])
    assert client.get(url).status_code == 404
    url = reverse("prds:contract", args=[team.product.pk, other.pk, parts.contract.pk])
    assert client.get(url).status_code == 404


# --- What each role sees on the reading page ----------------------------------------------------


def test_viewer_reads_every_part_without_a_single_write_control(parts, team, client):
    CommentFactory(prd=parts.prd, author=team.contributor, criterion=parts.criterion)
    client.force_login(team.viewer)
    html = _read(client, parts).content.decode()
    for section in ("criteria", "contracts", "expectations", "decisions"):
        assert f'id="{section}"' in html
    assert "p95 latency of GET /vehicles" in html
    assert "Poll or push" in html
    assert "/vehicles" in html  # the contract's endpoint
    assert 'method="post"' not in _parts_html(html)
    controls = (
        "ac-handle", "ac-menu", "/status/", "/move/", "Add criterion", "Delete…", "Add contract",
        "Add expectation", "Record a decision", "criteria-sortable", "<dialog", "<template",
        "ac-status-menu",
    )  # fmt: skip
    for control in controls:
        assert control not in _parts_html(html), control


def _parts_html(html: str) -> str:
    """The four parts' sections of the reading page (the comments' forms are not theirs)."""
    start = html.index('id="criteria"')
    end = html.index("</section>", html.index('id="decisions"'))
    text = html[start:end]
    # The threads under each criterion belong to the comments; their forms are the
    # contributor's and are tested with them.
    return re.sub(r'<ol class="threads">.*?</ol>', "", text, flags=re.S)


def _criteria_url(parts) -> str:
    """Where the criteria's URLs start; prds.js continues it with "<id>/status/" and so on."""
    return _url("criterion-edit", parts, 0)[: -len("0/")]


def test_contributor_sets_a_status_but_cannot_change_the_list(parts, team, client):
    client.force_login(team.contributor)
    html = _parts_html(_read(client, parts).content.decode())
    # Each criterion's status is a menu; its options, cloned in when it opens, post to
    # <criteria URL><id>/status/.
    for criterion in parts.criteria:
        menu = rf'<details class="ac-status-menu"[^>]*><summary [^>]*id="ac-{criterion.pk}-status"'
        assert re.search(menu, html)
    assert f'data-criteria-url="{_criteria_url(parts)}"' in html
    options = re.search(r'<template id="ac-status-template">(.*?)</template>', html, re.S)
    for status in CriterionStatus.values:
        assert f'name="status" value="{status}"' in options.group(1)
    assert "ac-handle" not in html
    assert "ac-menu" not in html
    assert "delete-criterion" not in html
    assert "Add criterion" not in html


def test_editor_sees_the_controls_of_every_part(parts, team, client):
    client.force_login(team.editor)
    html = _parts_html(_read(client, parts).content.decode())
    for control in ("criteria-sortable", "ac-handle", "Add criterion", "Add contract",
                    "Add expectation", "Record a decision"):  # fmt: skip
        assert control in html, control
    # Each criterion's ⋯ menu links to its edit page; Move up, Move down and Delete… are cloned
    # in when it opens, and Delete… opens the one confirmation, pointed at the criterion.
    for criterion in parts.criteria:
        assert f'id="ac-{criterion.pk}-menu"' in html
        assert f'href="{_url("criterion-edit", parts, criterion.pk)}">Edit</a>' in html
    menu = re.search(r'<template id="ac-menu-template">(.*?)</template>', html, re.S).group(1)
    assert 'name="step" value="up"' in menu and 'name="step" value="down"' in menu
    assert 'data-dialog-open="delete-criterion"' in menu
    assert '<dialog id="delete-criterion"' in html


# --- Acceptance criteria: the checklist ---------------------------------------------------------


def test_criteria_are_an_ordered_checklist_with_stable_anchors(parts, team, client):
    first, _, third = parts.criteria
    services_status(first, CriterionStatus.MET)
    services_status(third, CriterionStatus.WAIVED)
    client.force_login(team.viewer)
    html = _read(client, parts).content.decode()
    positions = [html.index(f'id="ac-{criterion.pk}"') for criterion in parts.criteria]
    assert positions == sorted(positions)
    assert f'href="#ac-{first.pk}"' in html  # its deep link
    assert "1 of 3 met" in html and "1 waived" in html and "1 open" in html
    # Given / When / Then as three labelled lines, from the stored HTML; free text as is.
    assert "<dt>Given</dt><dd><p>a dispatcher on the map</p></dd>" in html
    assert "<p>Works <strong>offline</strong></p>" in html


def services_status(criterion, status):
    criterion.refresh_from_db()
    services.criterion_update(
        criterion=criterion, by=Actor.task("test"), expected_version=criterion.version,
        status=status,
    )  # fmt: skip


def test_a_criterion_shows_its_comment_threads(parts, team, client):
    CommentFactory(prd=parts.prd, author=team.contributor, criterion=parts.criteria[1],
                   body="Offline for how long?")  # fmt: skip
    client.force_login(team.viewer)
    html = _read(client, parts).content.decode()
    start = html.index(f'id="ac-{parts.criteria[1].pk}"')
    end = html.index(f'id="ac-{parts.criteria[2].pk}"')
    assert "Offline for how long?" in html[start:end]


def test_criterion_text_cannot_carry_script(team, client):
    prd = PrdFactory(product=team.product, owner=team.editor)
    CriterionFactory(prd=prd, given='<script>alert(1)</script><img src=x onerror="alert(2)">',
                     when="[click](javascript:alert(3))", then="ok")  # fmt: skip
    client.force_login(team.viewer)
    html = client.get(reverse("prds:read", args=[team.product.pk, prd.pk])).content.decode()
    section = _parts_html(html)
    assert "<script>alert" not in section
    assert "onerror" not in section
    assert "javascript:" not in section


# --- Criteria: add, edit, delete ----------------------------------------------------------------


def test_editor_adds_a_scenario_and_lands_on_its_anchor(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("criterion-create", parts),
        {"kind": "scenario", "given": "a late van", "when": "it arrives", "then": "it is green"},
    )
    added = AcceptanceCriterion.objects.get(given="a late van")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#ac-{added.pk}")
    assert _ids(parts)[-1] == added.pk
    assert added.html["then"] == "<p>it is green</p>"


def test_editor_adds_a_free_text_criterion(parts, team, client):
    client.force_login(team.editor)
    client.post(_url("criterion-create", parts), {"kind": "text", "text": "Runs on *Android 9*"})
    added = AcceptanceCriterion.objects.get(text="Runs on *Android 9*")
    assert added.kind == "text"
    assert added.html["text"] == "<p>Runs on <em>Android 9</em></p>"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "scenario", "given": "a van", "when": "it is late"}, "then", "needs its “then”"),
        ({"kind": "text", "text": "  "}, "text", "Write the criterion."),
        ({"kind": "poem", "text": "x"}, "kind", "Select a valid choice"),
        ({"kind": "text", "text": "x" * 5001}, "text", "at most 5000 characters"),
    ],
)
def test_a_bad_criterion_gets_field_errors_and_nothing_is_saved(
    parts, team, client, data, field, message
):
    client.force_login(team.editor)
    response = client.post(_url("criterion-create", parts), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message.replace("“", "&ldquo;") in response.content.decode() or message in (
        response.content.decode()
    )
    assert AcceptanceCriterion.objects.count() == 3


def _edit_data(form) -> dict:
    """What the browser sends back from an edit form: every field's shown value."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def test_editor_edits_a_criterion(parts, team, client):
    client.force_login(team.editor)
    url = _url("criterion-edit", parts, parts.criterion.pk)
    data = _edit_data(client.get(url).context["form"])
    data["then"] = "its marker blinks"
    response = client.post(url, data)
    assert response.status_code == 302
    parts.criterion.refresh_from_db()
    assert parts.criterion.then == "its marker blinks"
    assert parts.criterion.html["then"] == "<p>its marker blinks</p>"


def test_a_stale_criterion_edit_merges_other_fields(parts, team, client):
    client.force_login(team.editor)
    url = _url("criterion-edit", parts, parts.criterion.pk)
    data = _edit_data(client.get(url).context["form"])
    client.post(url, {**data, "given": "a colleague's given"})  # a colleague saves first
    response = client.post(url, {**data, "then": "mine"})
    assert response.status_code == 302
    parts.criterion.refresh_from_db()
    assert (parts.criterion.given, parts.criterion.then) == ("a colleague's given", "mine")


def test_a_stale_criterion_edit_of_the_same_field_shows_the_conflict(parts, team, client):
    client.force_login(team.editor)
    url = _url("criterion-edit", parts, parts.criterion.pk)
    data = _edit_data(client.get(url).context["form"])
    client.post(url, {**data, "then": "theirs"})
    response = client.post(url, {**data, "then": "yours"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this while you were editing" in html
    assert "theirs" in html and "yours" in html
    parts.criterion.refresh_from_db()
    assert parts.criterion.then == "theirs"
    # The rebased form saves "yours" on a second, deliberate submit.
    rebased = _edit_data(response.context["form"])
    assert client.post(url, rebased).status_code == 302
    parts.criterion.refresh_from_db()
    assert parts.criterion.then == "yours"


def test_editor_deletes_a_criterion_after_confirming(parts, team, client):
    client.force_login(team.editor)
    criterion = parts.criteria[1]
    response = client.post(
        _url("criterion-delete", parts, criterion.pk), {"version": criterion.version}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#criteria")
    assert not AcceptanceCriterion.objects.filter(pk=criterion.pk).exists()


def test_a_stale_delete_deletes_nothing(parts, team, client):
    client.force_login(team.editor)
    services_status(parts.criterion, CriterionStatus.MET)
    client.post(_url("criterion-delete", parts, parts.criterion.pk), {"version": 1})
    assert AcceptanceCriterion.objects.filter(pk=parts.criterion.pk).exists()


# --- Criteria: the inline status ----------------------------------------------------------------


def test_contributor_marks_a_criterion_met_inline(parts, team, client):
    client.force_login(team.contributor)
    response = client.post(
        _url("criterion-status", parts, parts.criterion.pk),
        {"status": "met", "version": parts.criterion.version},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The criterion's row, swapped in place, and the progress, out of band.
    assert html.lstrip().startswith('<div class="criterion-main criterion-is-met')
    assert f'id="ac-{parts.criterion.pk}-main"' in html
    assert 'id="criteria-progress" hx-swap-oob="true"' in html
    assert "1 of 3 met" in html
    assert _toast(response) == "Criterion marked “Met”."
    parts.criterion.refresh_from_db()
    assert parts.criterion.status == CriterionStatus.MET


def test_a_stale_status_change_shows_the_saved_status(parts, team, client):
    client.force_login(team.contributor)
    services_status(parts.criterion, CriterionStatus.FAILED)
    response = client.post(
        _url("criterion-status", parts, parts.criterion.pk),
        {"status": "met", "version": 1},
        **HTMX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved: someone changed this criterion meanwhile; it is now “Not met”" in html
    assert "criterion-is-failed" in html
    parts.criterion.refresh_from_db()
    assert parts.criterion.status == CriterionStatus.FAILED


def test_a_bad_status_is_refused_in_the_row(parts, team, client):
    client.force_login(team.contributor)
    response = client.post(
        _url("criterion-status", parts, parts.criterion.pk),
        {"status": "done-ish", "version": 1},
        **HTMX,
    )
    assert response.status_code == 400
    assert "Not saved" in response.content.decode()


def test_status_without_htmx_redirects_to_the_criterion(parts, team, client):
    client.force_login(team.contributor)
    response = client.post(
        _url("criterion-status", parts, parts.criterion.pk), {"status": "waived", "version": 1}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#ac-{parts.criterion.pk}")


def test_status_of_a_criterion_deleted_meanwhile_says_so(parts, team, client):
    client.force_login(team.contributor)
    url = _url("criterion-status", parts, parts.criterion.pk)
    AcceptanceCriterion.objects.filter(pk=parts.criterion.pk).delete()
    assert client.post(url, {"status": "met", "version": 1}, **HTMX).status_code == 404


# --- Criteria: reorder --------------------------------------------------------------------------


def _criterion_writes(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith("UPDATE") and "prds_acceptancecriterion" in query["sql"]
    ]


def test_a_drag_writes_one_row_and_returns_the_list_in_its_new_order(parts, team, client):
    first, second, third = parts.criteria
    client.force_login(team.editor)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            _url("criterion-move", parts, third.pk),
            {"version": third.version, "after": ""},  # dropped first
            **HTMX,
        )
    assert response.status_code == 200
    assert len(_criterion_writes(queries.captured_queries)) == 1
    assert _ids(parts) == [third.pk, first.pk, second.pk]
    html = response.content.decode()
    assert [html.index(f'id="ac-{pk}"') for pk in _ids(parts)] == sorted(
        html.index(f'id="ac-{pk}"') for pk in _ids(parts)
    )
    assert _toast(response) == "Moved the criterion first."


def test_a_drop_after_another_criterion(parts, team, client):
    first, second, third = parts.criteria
    client.force_login(team.editor)
    client.post(_url("criterion-move", parts, first.pk), {"version": 1, "after": second.pk}, **HTMX)
    assert _ids(parts) == [second.pk, first.pk, third.pk]


def test_keyboard_moves_step_up_and_down(parts, team, client):
    first, second, third = parts.criteria
    client.force_login(team.editor)
    client.post(_url("criterion-move", parts, third.pk), {"version": 1, "step": "up"})
    assert _ids(parts) == [first.pk, third.pk, second.pk]
    third.refresh_from_db()
    response = client.post(_url("criterion-move", parts, first.pk), {"version": 1, "step": "down"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#ac-{first.pk}")
    assert _ids(parts) == [third.pk, first.pk, second.pk]


def test_moving_the_first_criterion_up_writes_nothing(parts, team, client):
    client.force_login(team.editor)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            _url("criterion-move", parts, parts.criterion.pk),
            {"version": 1, "step": "up"},
            **HTMX,
        )
    assert response.status_code == 200
    assert _criterion_writes(queries.captured_queries) == []


def test_a_stale_drag_is_refused_and_shows_the_saved_order(parts, team, client):
    first, second, third = parts.criteria
    client.force_login(team.editor)
    services_status(third, CriterionStatus.MET)  # version 2 now
    response = client.post(
        _url("criterion-move", parts, third.pk), {"version": 1, "after": ""}, **HTMX
    )
    assert response.status_code == 409
    assert "it was not moved" in response.content.decode()
    assert _ids(parts) == [first.pk, second.pk, third.pk]


def test_a_drop_after_a_criterion_of_another_prd_is_refused(parts, team, client):
    elsewhere = CriterionFactory(prd=PrdFactory(product=team.product, owner=team.editor))
    client.force_login(team.editor)
    response = client.post(
        _url("criterion-move", parts, parts.criterion.pk),
        {"version": 1, "after": elsewhere.pk},
        **HTMX,
    )
    assert response.status_code == 400
    assert _ids(parts) == [criterion.pk for criterion in parts.criteria]


def test_a_move_with_a_bad_version_is_refused(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("criterion-move", parts, parts.criterion.pk), {"version": "x"}, **HTMX
    )
    assert response.status_code == 400


# --- API contracts ------------------------------------------------------------------------------


def test_reading_page_lists_a_contract_as_endpoints(parts, team, client):
    client.force_login(team.viewer)
    html = _parts_html(_read(client, parts).content.decode())
    assert '<span class="method method-get">GET</span>' in html
    assert '<span class="endpoint-path">/vehicles</span>' in html
    assert "List vehicles" in html
    assert reverse("prds:contract", args=[team.product.pk, parts.prd.pk, parts.contract.pk]) in (
        html
    )


def test_editor_adds_a_contract_and_sees_its_endpoints(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("contract-create", parts), {"name": "Tracking API", "document": MINIMAL_CONTRACT}
    )
    contract = ApiContract.objects.get(name="Tracking API")
    assert response.status_code == 302
    assert response["Location"] == contract.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "/vehicles" in page and "List vehicles" in page
    assert '<pre class="document">' in page


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("openapi: 3.0.3\ninfo: {title: x\n", "Line "),
        ('swagger: "2.0"\ninfo: {title: Old, version: "1"}\npaths: {}\n', "OpenAPI 2"),
        ("just text", ""),
    ],
)
def test_an_invalid_contract_is_refused_next_to_the_field(parts, team, client, document, message):
    client.force_login(team.editor)
    response = client.post(_url("contract-create", parts), {"name": "Broken", "document": document})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["document"])
    assert message in errors
    assert 'id="id_document_error"' in response.content.decode()
    assert not ApiContract.objects.filter(name="Broken").exists()


def test_a_contract_error_names_its_line_for_the_editor(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("contract-create", parts),
        {"name": "Broken", "document": "openapi: 3.0.3\ninfo:\n  title: x\n  version: [\n"},
    )
    html = response.content.decode()
    line = re.search(r"Line (\d+):", " ".join(response.context["form"].errors["document"]))
    assert line is not None
    assert f'data-error-line="{line.group(1)}"' in html


def test_a_contract_over_the_size_limit_is_refused(parts, team, client):
    client.force_login(team.editor)
    document = MINIMAL_CONTRACT + "#" * 1_000_001
    response = client.post(_url("contract-create", parts), {"name": "Huge", "document": document})
    assert response.status_code == 400
    assert "at most 1 MB" in " ".join(response.context["form"].errors["document"])
    assert not ApiContract.objects.filter(name="Huge").exists()


def test_a_duplicate_contract_name_is_a_field_error(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("contract-create", parts), {"name": "Fleet API", "document": MINIMAL_CONTRACT}
    )
    assert response.status_code == 400
    assert "already has a contract" in " ".join(response.context["form"].errors["name"])


def test_editing_a_contract_makes_a_revision_and_flags_what_it_breaks(parts, team, client):
    client.force_login(team.editor)
    url = _url("contract-edit", parts, parts.contract.pk)
    data = _edit_data(client.get(url).context["form"])
    response = client.post(url, {**data, "document": BREAKING_CONTRACT}, follow=True)
    parts.contract.refresh_from_db()
    revision = parts.contract.current_revision
    assert revision.number == 2
    kinds = sorted(change["kind"] for change in revision.breaking_changes)
    assert kinds == ["changed_type", "removed_response_field"]
    html = response.content.decode()
    assert "Saved as revision 2. 2 breaking changes: flagged below." in html
    assert "Revision 2 breaks clients of revision 1" in html
    assert "Removed response field" in html and "<code>[].plate</code>" in html
    # The reading page flags it too.
    assert "2 breaking changes in revision 2" in _read(client, parts).content.decode()


def test_a_contract_edit_with_an_invalid_text_saves_nothing(parts, team, client):
    client.force_login(team.editor)
    url = _url("contract-edit", parts, parts.contract.pk)
    data = _edit_data(client.get(url).context["form"])
    response = client.post(url, {**data, "document": "openapi: [3"})
    assert response.status_code == 400
    parts.contract.refresh_from_db()
    assert parts.contract.current_revision.number == 1


def test_a_stale_contract_edit_shows_both_texts(parts, team, client):
    client.force_login(team.editor)
    url = _url("contract-edit", parts, parts.contract.pk)
    data = _edit_data(client.get(url).context["form"])
    client.post(url, {**data, "document": BREAKING_CONTRACT})
    response = client.post(url, {**data, "document": MINIMAL_CONTRACT.replace("1.0", "1.1")})
    assert response.status_code == 409
    assert "Someone else saved this while you were editing" in response.content.decode()
    parts.contract.refresh_from_db()
    assert parts.contract.current_revision.number == 2


def test_compare_any_two_revisions(parts, team, client):
    client.force_login(team.editor)
    url = _url("contract-edit", parts, parts.contract.pk)
    data = _edit_data(client.get(url).context["form"])
    client.post(url, {**data, "document": BREAKING_CONTRACT})
    client.force_login(team.viewer)
    compare = _url("contract-compare", parts, parts.contract.pk)
    response = client.get(compare, {"from": 1, "to": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 breaking changes for a client written against revision 1" in html
    assert 'class="prd-diff-replace"' in html or 'class="prd-diff-delete"' in html
    # Backwards, revision 1 removes nothing a client of revision 2 reads... except the type.
    backwards = client.get(compare, {"from": 2, "to": 1}).content.decode()
    assert "Removed response field" not in backwards
    # Without a choice the page compares the last two.
    assert "Revision 1 → revision 2" in client.get(compare).content.decode()


@pytest.mark.parametrize("query", [{"from": 1, "to": 9}, {"from": "x", "to": 1}, {"to": 1}])
def test_compare_with_a_bad_revision_is_a_form_error(parts, team, client, query):
    client.force_login(team.viewer)
    response = client.get(_url("contract-compare", parts, parts.contract.pk), query)
    assert response.status_code == 400


def test_compare_with_one_revision_explains_itself(parts, team, client):
    client.force_login(team.viewer)
    response = client.get(_url("contract-compare", parts, parts.contract.pk))
    assert response.status_code == 200
    assert "one revision so far" in response.content.decode()


def test_editor_deletes_a_contract(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("contract-delete", parts, parts.contract.pk), {"version": parts.contract.version}
    )
    assert response["Location"].endswith("#contracts")
    assert not ApiContract.objects.exists()


def test_contract_page_queries_do_not_grow_with_revisions(
    parts, team, client, django_assert_num_queries
):
    client.force_login(team.viewer)
    url = _url("contract", parts, parts.contract.pk)
    for number in range(5):
        parts.contract.refresh_from_db()
        services.contract_update(
            contract=parts.contract, by=Actor.task("test"),
            expected_version=parts.contract.version,
            document=MINIMAL_CONTRACT.replace("1.0", f"1.{number + 1}"),
        )  # fmt: skip
    # session, user, membership with product, PRD, contract with its current revision and
    # its author, revisions with their authors, the sidebar's product switcher
    with django_assert_num_queries(7):
        client.get(url)


# --- Performance expectations -------------------------------------------------------------------


def test_expectations_are_a_table(parts, team, client):
    ExpectationFactory(
        prd=parts.prd, metric="Map first interaction", comparator="<=", target=Decimal("2.5"),
        unit="s", context="5,000 vehicles",
    )  # fmt: skip
    client.force_login(team.viewer)
    html = _parts_html(_read(client, parts).content.decode())
    assert '<th scope="row" class="expectation-metric">Map first interaction</th>' in html
    assert '≤</span> 2.5 <span class="unit">s</span>' in html
    assert '<td class="expectation-context">5,000 vehicles</td>' in html


def test_editor_adds_an_expectation(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("expectation-create", parts),
        {"metric": "Error rate", "comparator": "<", "target": "0.1", "unit": "%", "context": ""},
    )
    assert response["Location"].endswith("#expectations")
    assert PerformanceExpectation.objects.get(metric="Error rate").target == Decimal("0.1")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"metric": "", "comparator": "<", "target": "1"}, "metric"),
        ({"metric": "x", "comparator": "≈", "target": "1"}, "comparator"),
        ({"metric": "x", "comparator": "<", "target": "fast"}, "target"),
        ({"metric": "x", "comparator": "<", "target": "1e400"}, "target"),
    ],
)
def test_a_bad_expectation_gets_field_errors(parts, team, client, data, field):
    client.force_login(team.editor)
    response = client.post(_url("expectation-create", parts), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert PerformanceExpectation.objects.count() == 1


def test_expectation_edit_and_its_conflict(parts, team, client):
    client.force_login(team.editor)
    url = _url("expectation-edit", parts, parts.expectation.pk)
    data = _edit_data(client.get(url).context["form"])
    assert data["target"] == "200"
    assert client.post(url, {**data, "target": "150"}).status_code == 302
    response = client.post(url, {**data, "target": "180"})
    assert response.status_code == 409
    parts.expectation.refresh_from_db()
    assert parts.expectation.target == Decimal("150")
    # A stale save of another field merges with the colleague's target.
    assert client.post(url, {**data, "unit": "s"}).status_code == 302
    parts.expectation.refresh_from_db()
    assert (parts.expectation.target, parts.expectation.unit) == (Decimal("150"), "s")


def test_editor_deletes_an_expectation(parts, team, client):
    client.force_login(team.editor)
    client.post(
        _url("expectation-delete", parts, parts.expectation.pk),
        {"version": parts.expectation.version},
    )
    assert not PerformanceExpectation.objects.exists()


# --- Decisions ----------------------------------------------------------------------------------


def test_a_decision_card_marks_the_chosen_option(parts, team, client):
    client.force_login(team.viewer)
    html = _parts_html(_read(client, parts).content.decode())
    assert '<h3 id="decision-' in html and "Poll or push" in html
    chosen_row = re.search(r'<tr class="option-chosen">(.*?)</tr>', html, re.S).group(1)
    assert "Poll" in chosen_row and "Push" not in chosen_row
    assert "Chosen</span>" in html
    assert "Poll every 30 seconds" in html
    name = team.editor.get_full_name()
    assert f"Decided by <strong>{name}</strong>" in html


@pytest.mark.parametrize(
    ("choice", "names", "expected"),
    [
        ("Push", ["Poll", "Push"], 1),
        ("Poll every 30 seconds", ["Poll", "Push"], 0),
        ("We go with server-sent events.", ["Poll", "Server-sent events"], 1),
        ("Poll over SSE", ["Poll", "Poll over SSE"], 1),
        ("Neither", ["Poll", "Push"], None),
    ],
)
def test_the_chosen_option_is_the_one_the_choice_names(choice, names, expected):
    decision = SimpleNamespace(choice=choice, options=[{"name": name} for name in names])
    assert chosen_option(decision) == expected


def _decision_data(team, **extra) -> dict:
    data = {
        "title": "Map tiles", "context": "Tiles cost *money*.", "choice": "Self-host",
        "decided_by": team.editor.pk, "decided_on": "2025-03-01",
        "option_1_name": "Vendor", "option_1_cost": "$2k/month", "option_1_scalability": "any",
        "option_1_maintenance": "none", "option_1_business_impact": "fast start",
        "option_2_name": "Self-host", "option_2_cost": "a server",
    }  # fmt: skip
    return {**data, **extra}


def test_editor_records_a_decision_and_empty_rows_are_ignored(parts, team, client):
    client.force_login(team.editor)
    response = client.post(_url("decision-create", parts), _decision_data(team))
    decision = Decision.objects.get(title="Map tiles")
    assert response["Location"].endswith(f"#decision-{decision.pk}")
    assert [option["name"] for option in decision.options] == ["Vendor", "Self-host"]
    assert decision.options[1] == {
        "name": "Self-host", "cost": "a server", "scalability": "", "maintenance": "",
        "business_impact": "",
    }  # fmt: skip
    assert decision.context_html == "<p>Tiles cost <em>money</em>.</p>"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"option_1_name": "", "option_2_name": ""}, "option_1_name", "Name this option."),
        (
            {f"option_{row}_{key}": "" for row in (1, 2)
             for key in ("name", "cost", "scalability", "maintenance", "business_impact")},
            "option_1_name",
            "Weigh at least one option.",
        ),
        ({"decided_by": 999999}, "decided_by", "Select a valid choice"),
        ({"decided_on": "someday"}, "decided_on", "Enter a valid date"),
        ({"title": "  "}, "title", "This field is required."),
        ({"choice": ""}, "choice", "This field is required."),
    ],
)  # fmt: skip
def test_a_bad_decision_gets_field_errors(parts, team, client, extra, field, message):
    client.force_login(team.editor)
    response = client.post(_url("decision-create", parts), _decision_data(team, **extra))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Decision.objects.filter(title="Map tiles").exists()


def test_decided_by_an_outsider_is_refused(parts, team, client):
    client.force_login(team.editor)
    response = client.post(
        _url("decision-create", parts), _decision_data(team, decided_by=team.outsider.pk)
    )
    assert response.status_code == 400


def test_decision_edit_keeps_its_options_and_shows_a_conflict(parts, team, client):
    client.force_login(team.editor)
    url = _url("decision-edit", parts, parts.decision.pk)
    data = _edit_data(client.get(url).context["form"])
    assert data["option_2_name"] == "Push"
    assert data["option_3_name"] == ""
    response = client.post(url, {**data, "option_3_name": "Webhooks"})
    assert response.status_code == 302
    parts.decision.refresh_from_db()
    assert [o["name"] for o in parts.decision.options] == ["Poll", "Push", "Webhooks"]
    response = client.post(url, {**data, "option_1_cost": "free"})
    assert response.status_code == 409
    assert "Options" in response.content.decode()
    parts.decision.refresh_from_db()
    assert len(parts.decision.options) == 3


def test_a_decision_with_more_options_than_rows_keeps_them_all(parts, team, client):
    options = [{"name": f"Option {n}"} for n in range(1, 7)]
    decision = DecisionFactory(prd=parts.prd, options=options, choice="Option 6")
    client.force_login(team.editor)
    url = _url("decision-edit", parts, decision.pk)
    data = _edit_data(client.get(url).context["form"])
    assert data["option_6_name"] == "Option 6"
    assert client.post(url, {**data, "title": "Six ways"}).status_code == 302
    decision.refresh_from_db()
    assert len(decision.options) == 6


def test_editor_deletes_a_decision(parts, team, client):
    client.force_login(team.editor)
    client.post(
        _url("decision-delete", parts, parts.decision.pk), {"version": parts.decision.version}
    )
    assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_reading_page_renders_for_every_role(parts, team, client, role):
    client.force_login(team.user(role))
    assert _read(client, parts).status_code == 200
