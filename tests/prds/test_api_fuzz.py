"""Schemathesis fuzzing of the PRD API's operations against rows that exist.

tests/lodestar/test_api_fuzz.py fuzzes every operation of the schema, PRD ones included, but its
world is a roadmap: ids in PRD paths and bodies name nothing there, so most of those cases stop at
a 404. This module runs the same machinery (in-process app, checks, budgets, summary; imported
from there) on the PRD operations only, with a world of PRDs and their parts and hooks that put
their ids into paths, bodies and query strings, so that creates, edits, transitions, verdicts,
diffs and their refusals all run. Each response must be a documented status with a documented
body; no 5xx.
"""

import traceback

import pytest
import schemathesis
from django.core.signals import got_request_exception
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from prds import services
from prds.models import (
    AcceptanceCriterion,
    ApiContract,
    Comment,
    Decision,
    PerformanceExpectation,
    Prd,
    PrdTemplate,
    Review,
)
from products.activity import Actor
from products.models import Membership, Role, TokenScope
from tests.factories import (
    MINIMAL_CONTRACT,
    ApiTokenFactory,
    CommentFactory,
    ContractFactory,
    CriterionFactory,
    DecisionFactory,
    ExpectationFactory,
    MembershipFactory,
    PrdFactory,
    ReviewFactory,
    RoadmapItemFactory,
)
from tests.lodestar import test_api_fuzz as base

REVISION_NUMBERS = st.integers(min_value=1, max_value=4)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", base.APP).include(
    path_regex=base.PRD_PATHS
)
CURRENT: dict[str, base.FuzzWorld] = {}


# --- Steering generation towards rows that exist (see the shared module for why) ------------


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    world = CURRENT.get("world")
    if world is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    resource = context.operation.path.removeprefix("/api/v1/").split("/", 1)[0]
    known = {}
    if "id" in path_parameters and resource in world.object_ids:
        known["id"] = st.sampled_from(world.object_ids[resource])
    if "number" in path_parameters:
        known["number"] = REVISION_NUMBERS
    if not known:
        return st.just(path_parameters)
    steered = st.fixed_dictionaries(known).map(lambda new: {**path_parameters, **new})
    return base._usually(steered, st.just(path_parameters))


@schema.hook
def flatmap_query(context, query):
    world = CURRENT.get("world")
    if world is None or not isinstance(query, dict):
        return st.just(query)
    replaced = {}
    for key, value in query.items():
        if key in ("from", "to"):
            replaced[key] = base._usually(REVISION_NUMBERS, st.just(value), one_in=4)
        elif key in world.body_ids:
            replaced[key] = base._usually(
                st.sampled_from(world.body_ids[key]), st.just(value), one_in=4
            )
    if not replaced:
        return st.just(query)
    return st.fixed_dictionaries(replaced).map(lambda new: {**query, **new})


@schema.hook
def flatmap_headers(context, headers):
    return base.flatmap_headers(context, headers)


@schema.hook
def flatmap_body(context, body):
    world = CURRENT.get("world")
    if world is None or not isinstance(body, dict):
        return st.just(body)
    replaced = {}
    for key, value in body.items():
        if key == "version":
            replaced[key] = base._usually(st.integers(1, 3), st.just(value), one_in=4)
        elif key == "revision":
            replaced[key] = base._usually(REVISION_NUMBERS, st.just(value), one_in=4)
        elif key == "document":
            replaced[key] = base._usually(st.just(MINIMAL_CONTRACT), st.just(value), one_in=2)
        elif key in world.body_ids:
            ids = st.sampled_from(world.body_ids[key])
            known = st.lists(ids, max_size=3) if isinstance(value, list) else ids
            replaced[key] = base._usually(known, st.just(value), one_in=4)
    if not replaced:
        return st.just(body)
    return st.fixed_dictionaries(replaced).map(lambda new: {**body, **new})


# --- The data ---------------------------------------------------------------------------------


def _prds(product, owner, reviewer, name: str) -> dict[str, list[int]]:
    """Two PRDs of ``product`` with every kind of part: one draft, one in review with
    ``reviewer`` (the fuzzer, where it may review) pending; three revisions and a contract with
    two each, so that diffs, restores and verdicts can succeed."""
    by = Actor.task("fuzz world")
    rows: dict[str, list[int]] = {resource: [] for resource in base.PRD_RESOURCES}
    for in_review in (False, True):
        prd = PrdFactory(product=product, owner=owner)
        for number in (2, 3):
            services.prd_update(
                prd=prd, by=by, expected_version=number - 1, body=f"## Goals\n\n- Step {number}"
            )
        criteria = [CriterionFactory(prd=prd) for _ in range(3)]
        contract = ContractFactory(prd=prd)
        services.contract_update(
            contract=contract,
            by=by,
            expected_version=1,
            document=MINIMAL_CONTRACT.replace("List vehicles", "All vehicles"),
        )
        if in_review and reviewer is not None:
            review = ReviewFactory(prd=prd, reviewer=reviewer)
            services.prd_transition(
                prd=prd, by=by, expected_version=prd.version, status="in_review"
            )
        else:
            review = ReviewFactory(prd=prd, reviewer=owner)
        rows["prds"].append(prd.pk)
        rows["acceptance-criteria"] += [criterion.pk for criterion in criteria]
        rows["api-contracts"].append(contract.pk)
        rows["performance-expectations"].append(ExpectationFactory(prd=prd).pk)
        rows["decisions"].append(DecisionFactory(prd=prd).pk)
        rows["reviews"].append(review.pk)
        rows["comments"] += [
            CommentFactory(prd=prd, author=owner, criterion=criteria[0]).pk,
            CommentFactory(prd=prd, author=reviewer or owner).pk,
        ]
    template = services.template_create(by=by, product=product, name=name, body="## Question\n")
    rows["prd-templates"].append(template.pk)
    return rows


@pytest.fixture
def prd_world(_detect_n_plus_one, team, request):
    """The fuzzer (a write token) is admin of ``team.product`` (PRDs it may change and review),
    viewer of a second product (PRDs it may only read) and not a member of a third."""
    fuzzer = team.admin
    viewed = MembershipFactory(user=fuzzer, role=Role.VIEWER).product
    elsewhere = Membership.objects.get(user=team.outsider).product
    token = ApiTokenFactory(user=fuzzer, scope=TokenScope.WRITE)
    owners = {viewed: MembershipFactory(product=viewed, role=Role.EDITOR).user}
    owners[elsewhere] = team.outsider
    worlds = [
        _prds(team.product, team.editor, fuzzer, "Spike"),
        _prds(team.product, team.editor, team.contributor, "Incident"),
        _prds(viewed, owners[viewed], None, "Spike"),
        _prds(elsewhere, owners[elsewhere], None, "Spike"),
    ]
    object_ids = {
        resource: [pk for rows in worlds for pk in rows[resource]]
        for resource in base.PRD_RESOURCES
    }
    # Every row at version 1, the version a steered If-Match names most often: writes succeed
    # (and so change what later cases meet) more often than they are refused as stale.
    versioned = (Prd, AcceptanceCriterion, ApiContract, PerformanceExpectation, Decision, Review)
    for model in (*versioned, Comment, PrdTemplate):
        model.objects.update(version=1)
    builtin = PrdTemplate.objects.get(product=None, name="Standard PRD").pk
    object_ids["prd-templates"].append(builtin)
    items = [RoadmapItemFactory(product=product).pk for product in (team.product, elsewhere)]
    members = [team.viewer.pk, team.contributor.pk, team.editor.pk, fuzzer.pk, team.outsider.pk]
    world = base.FuzzWorld(
        secret=token.secret,
        product_ids=[team.product.pk, team.product.pk, viewed.pk, elsewhere.pk],
        member_paths=[],
        identifiers=[],
        object_ids=object_ids,
    )
    world.body_ids = {
        "product": world.product_ids,
        "prd": object_ids["prds"],
        "criterion": object_ids["acceptance-criteria"],
        "after": object_ids["acceptance-criteria"],
        "parent": object_ids["comments"],
        "template": object_ids["prd-templates"],
        "roadmap_items": items,
        "owner": members,
        "reviewer": members,
        "decided_by": members,
    }

    def record_traceback(sender, request, **kwargs):
        world.server_errors.append(
            f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}"
        )

    base.APP.reset()
    got_request_exception.connect(record_traceback)
    CURRENT["world"] = world
    try:
        yield world
    finally:
        CURRENT.pop("world", None)
        got_request_exception.disconnect(record_traceback)
        base.APP.reset()
    base.SUMMARY[request.node.name] = world
    fuzzed = world.cases["fuzzing"]
    if not world.failed:
        assert fuzzed >= base.MIN_CASES_PER_OPERATION, (
            f"{request.node.name}: only {fuzzed} fuzzing cases ran (phases: {dict(world.cases)})"
        )


@pytest.fixture(scope="module", autouse=True)
def _case_summary(request):
    plugins = request.config.pluginmanager
    if not any(isinstance(plugin, base._CaseSummary) for plugin in plugins.get_plugins()):
        plugins.register(base._CaseSummary())


@schema.parametrize()
@settings(
    max_examples=base.FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_prd_api_conforms_to_its_schema(case, prd_world):
    phase = case.meta.phase.name.value if case.meta is not None else "unknown"
    prd_world.cases[phase] += 1
    errors_before = len(prd_world.server_errors)
    try:
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {prd_world.secret}"}, checks=base.CHECKS
        )
    except BaseException as error:
        prd_world.failed = True
        for server_traceback in prd_world.server_errors[errors_before:]:
            error.add_note(f"Server-side traceback of {server_traceback}")
        raise
    prd_world.statuses[response.status_code] += 1
