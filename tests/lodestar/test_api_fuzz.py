"""Property-based fuzzing of the REST API against its own OpenAPI schema (schemathesis 4).

How it works
------------
* The schema is the one the code serves: ``GET /api/schema/?format=json``, requested in-process
  through Django's WSGI handler at import time (drf-spectacular builds it without the database).
* ``schema.parametrize()`` makes one pytest test per operation. For each, schemathesis runs its
  explicit phases (schema examples and "coverage" boundary/negative cases) and then Hypothesis
  generates ``FUZZ_EXAMPLES`` more cases, positive (valid by the schema) and negative (invalid).
* Every case is sent to the Django WSGI application in-process (no server, no network), with the
  suite's N+1 detection on (``zeal`` middleware from tests/conftest.py), authenticated as a real
  user with a write-scoped bearer token who is admin of a product.
* Each response must pass schemathesis's checks: no 5xx, a documented status code, a documented
  content type and a body that matches the documented schema for that status.
* Each operation must run at least ``MIN_CASES_PER_OPERATION`` generated cases; the counts are
  printed in a summary at the end of the run.
"""

import collections
import dataclasses
import traceback

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from products.models import Membership, Role, TokenScope
from roadmaps.models import ChecklistEntry, Lane
from tests.factories import (
    ApiTokenFactory,
    DependencyFactory,
    InsightFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    ReleaseFactory,
    RiskFactory,
    RoadmapItemFactory,
    ShareLinkFactory,
    SnapshotFactory,
    TeamFactory,
    UserFactory,
)

# Hypothesis's own budget for the random ("fuzzing") phase of each operation. The explicit
# phases add their cases on top; MIN_CASES_PER_OPERATION is asserted on the fuzzing phase alone.
FUZZ_EXAMPLES = 120
MIN_CASES_PER_OPERATION = 100

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class InProcessDjango:
    """Django's WSGI handler, called the way ``django.test.Client`` calls it.

    The middleware chain is built on first use after ``reset()``, so it picks up each test's
    settings (the suite adds the N+1 detection middleware per test). As in the test client, the
    signals that close "old" database connections are muted during a request: closing the
    connection would abort the test's transaction.
    """

    def __init__(self):
        self.handler = None

    def reset(self):
        self.handler = None

    def __call__(self, environ, start_response):
        if self.handler is None:
            self.handler = WSGIHandler()
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


APP = InProcessDjango()
# The PRD API's operations are fuzzed by tests/prds/test_api_fuzz.py, against PRD rows that
# exist (here their ids would name nothing and most cases would stop at a 404).
PRD_RESOURCES = (
    "prds",
    "acceptance-criteria",
    "api-contracts",
    "performance-expectations",
    "decisions",
    "reviews",
    "comments",
    "prd-templates",
)
PRD_PATHS = rf"^/api/v1/({'|'.join(PRD_RESOURCES)})/"
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP).exclude(
    path_regex=PRD_PATHS
)


@dataclasses.dataclass
class FuzzWorld:
    """The data one operation's fuzzing runs against, and what the run saw."""

    secret: str
    product_ids: list[int]
    member_paths: list[tuple[int, int]]
    identifiers: list[str]
    # Roadmap rows by API resource ("teams", "roadmap-items", ...), for paths, and by body
    # field ("team", "items", ...), for bodies.
    object_ids: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    body_ids: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    cases: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    statuses: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    server_errors: list[str] = dataclasses.field(default_factory=list)
    failed: bool = False


# The world of the test that is running: the hooks below draw from it (they are registered once,
# at import, while the ids only exist inside a test's database transaction).
CURRENT: dict[str, FuzzWorld] = {}
SUMMARY: dict[str, FuzzWorld] = {}


# --- Steering generation towards objects that exist ------------------------------------------
#
# Random integers rarely name a row that exists (on PostgreSQL ids keep growing across tests),
# so most cases would stop at "404 No such product" and the code behind it would never run.
# In the fuzzing phase these hooks therefore put, in seven cases out of eight, the ids of the
# test's data into the path: products where the fuzzer is admin (weighted double), viewer or
# not a member, and memberships in them (plus one under the wrong product). In three writes out
# of four they send a plausible If-Match ETag (versions start at 1 and each successful write
# bumps them), and in half the member additions they name an existing user, so that writes can
# succeed and the 412, 428, "already a member" and "last admin" paths run too. The remaining
# cases keep the generated values, so unknown ids and junk headers and bodies still get fuzzed.
# The roadmap's flat resources (/api/v1/roadmap-items/{id}/ ...) get the ids of their own rows,
# and their bodies, in three fields out of four, ids of rows that exist (in the product the
# fuzzer administers mostly, some in a product it only views or cannot see) and a plausible
# version, so that creates, links, moves, ships and their refusals all run.
# (The coverage phase's cases are fixed when pytest collects the tests, before any data exists;
# they keep their generated ids.)


def _usually(usual, otherwise, *, one_in: int = 8):
    """``usual``, except in about one case out of ``one_in``: ``otherwise``."""
    return st.integers(min_value=1, max_value=one_in).flatmap(
        lambda pick: otherwise if pick == 1 else usual
    )


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    world = CURRENT.get("world")
    if world is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    if {"product_id", "id"} <= path_parameters.keys():
        # A member: a real (product, membership) pair, so that the member exists.
        pairs = [{**path_parameters, "product_id": p, "id": m} for p, m in world.member_paths]
        return _usually(st.sampled_from(pairs), st.just(path_parameters))
    resource = context.operation.path.removeprefix("/api/v1/").split("/", 1)[0]
    if resource in world.object_ids and "id" in path_parameters:
        known = st.sampled_from(world.object_ids[resource]).map(
            lambda pk: {**path_parameters, "id": pk}
        )
        return _usually(known, st.just(path_parameters))
    name = "product_id" if "product_id" in path_parameters else "id"
    known = st.sampled_from(world.product_ids).map(lambda pk: {**path_parameters, name: pk})
    return _usually(known, st.just(path_parameters))


@schema.hook
def flatmap_headers(context, headers):
    if context.operation.method.upper() not in {"PUT", "PATCH", "DELETE"}:
        return st.just(headers)
    etags = st.builds(
        lambda form, version: form.format(version),
        st.sampled_from(['"{}"', 'W/"{}"', "{}"]),
        st.integers(min_value=1, max_value=3),
    )
    with_etag = etags.map(lambda etag: {**(headers or {}), "If-Match": etag})
    return _usually(with_etag, st.just(headers), one_in=4)


@schema.hook
def flatmap_body(context, body):
    world = CURRENT.get("world")
    is_member_create = (
        context.operation.method.upper() == "POST" and context.operation.path.endswith("/members/")
    )
    if world is None or not isinstance(body, dict):
        return st.just(body)
    if is_member_create:
        known = st.sampled_from(world.identifiers).map(lambda user: {**body, "user": user})
        return _usually(known, st.just(body), one_in=2)
    replaced = {}
    for key, value in body.items():
        if key == "version":
            replaced[key] = _usually(st.integers(1, 3), st.just(value), one_in=4)
        elif key in world.body_ids:
            ids = st.sampled_from(world.body_ids[key])
            known = st.lists(ids, max_size=3) if isinstance(value, list) else ids
            replaced[key] = _usually(known, st.just(value), one_in=4)
    if not replaced:
        return st.just(body)
    return st.fixed_dictionaries(replaced).map(lambda new: {**body, **new})


# --- The data ---------------------------------------------------------------------------------


@pytest.fixture
def fuzz_world(_detect_n_plus_one, team, request):
    """A user with a write token who is admin of ``team.product`` (which has a member of every
    role), admin of a second product, viewer of a third, and not a member of a fourth; a small
    roadmap (two in the first product) in the first, third and fourth, so that the roadmap's
    operations meet rows they may change, rows they may only read and rows they cannot see.

    ``db`` (one transaction per test, rolled back) rather than ``transactional_db``: the API
    writes inside savepoints and nothing it does waits for a commit. Hypothesis runs all the
    cases of one operation inside that one test, so they share its data; each operation's test
    gets fresh data, so a DELETE in one operation's run does not starve the others. Within the
    DELETE runs, deleting the product the fuzzer administers only turns later cases on it into
    (documented) 404s, and the second product keeps the admin code paths reachable.
    """
    fuzzer = team.admin
    second = MembershipFactory(user=fuzzer, role=Role.ADMIN).product
    viewed = MembershipFactory(user=fuzzer, role=Role.VIEWER).product
    elsewhere = Membership.objects.get(user=team.outsider).product
    UserFactory(username="newcomer")
    token = ApiTokenFactory(user=fuzzer, scope=TokenScope.WRITE)
    products = [team.product, second, viewed, elsewhere]
    roadmaps = [
        _roadmap(team.product),
        _roadmap(team.product),
        _roadmap(viewed),
        _roadmap(elsewhere),
    ]
    world = FuzzWorld(
        secret=token.secret,
        # The products the fuzzer administers come up twice as often as the others.
        product_ids=[product.pk for product in [team.product, second, *products]],
        # Every membership under its own product, and one under a product it is not part of.
        member_paths=[
            *Membership.objects.filter(product__in=products)
            .order_by("pk")
            .values_list("product_id", "pk"),
            (team.product.pk, Membership.objects.get(user=team.outsider).pk),
        ],
        identifiers=[
            "newcomer",
            "NEWCOMER@example.com",
            "outsider",
            "viewer-user",
            fuzzer.username,
        ],
        object_ids={
            resource: [row.pk for roadmap in roadmaps for row in roadmap[resource]]
            for resource in roadmaps[0]
        },
    )
    rows = world.object_ids
    world.body_ids = {
        "product": world.product_ids,
        "team": rows["teams"],
        "objective": rows["objectives"],
        "objectives": rows["objectives"],
        "blocker": rows["roadmap-items"],
        "blocked": rows["roadmap-items"],
        "after": rows["roadmap-items"],
        "items": rows["roadmap-items"],
        "releases": rows["releases"],
        "owner": [team.viewer.pk, team.editor.pk, team.outsider.pk],
    }

    def record_traceback(sender, request, **kwargs):
        world.server_errors.append(
            f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}"
        )

    APP.reset()  # rebuild the middleware chain with this test's settings
    got_request_exception.connect(record_traceback)
    CURRENT["world"] = world
    try:
        yield world
    finally:
        CURRENT.pop("world", None)
        got_request_exception.disconnect(record_traceback)
        APP.reset()
    SUMMARY[request.node.name] = world
    fuzzed = world.cases["fuzzing"]
    if not world.failed:
        assert fuzzed >= MIN_CASES_PER_OPERATION, (
            f"{request.node.name}: only {fuzzed} fuzzing cases ran (phases: {dict(world.cases)}); "
            f"at least {MIN_CASES_PER_OPERATION} per operation are required"
        )


def _roadmap(product) -> dict[str, list]:
    """A small roadmap in ``product``: a row of every kind the roadmap API serves, linked the
    way a real one is (items with a team and objectives, a dependency, a release with its
    checklist, a risk and an insight on an item, a snapshot, a share link)."""
    teams = [TeamFactory(product=product)]
    objectives = [ObjectiveFactory(product=product)]
    key_results = [KeyResultFactory(objective=objectives[0])]
    items = [RoadmapItemFactory(product=product, team=teams[0], lane=lane) for lane in Lane.values]
    items[0].objectives.set(objectives)
    dependencies = [DependencyFactory(blocker=items[0], blocked=items[1])]
    releases = [ReleaseFactory(product=product)]
    releases[0].items.set(items[:2])
    risks = [RiskFactory(product=product, likelihood=4, impact=4)]
    risks[0].items.set(items[:1])
    insights = [InsightFactory(product=product)]
    insights[0].items.set(items[:1])
    return {
        "teams": teams,
        "objectives": objectives,
        "key-results": key_results,
        "roadmap-items": items,
        "dependencies": dependencies,
        "releases": releases,
        "checklist-entries": list(ChecklistEntry.objects.filter(release=releases[0])),
        "risks": risks,
        "insights": insights,
        "snapshots": [SnapshotFactory(product=product)],
        "share-links": [ShareLinkFactory(product=product)],
    }


class _CaseSummary:
    """Prints the cases run per operation in pytest's terminal summary."""

    def pytest_terminal_summary(self, terminalreporter):
        if not SUMMARY:
            return
        terminalreporter.write_sep("-", "schemathesis: cases per operation")
        for name, world in SUMMARY.items():
            phases = ", ".join(f"{phase} {count}" for phase, count in sorted(world.cases.items()))
            statuses = ", ".join(
                f"{code}: {count}" for code, count in sorted(world.statuses.items())
            )
            total = sum(world.cases.values())
            terminalreporter.write_line(f"{name}: {total} cases ({phases}); responses {statuses}")


@pytest.fixture(scope="module", autouse=True)
def _case_summary(request):
    plugins = request.config.pluginmanager
    if not any(isinstance(plugin, _CaseSummary) for plugin in plugins.get_plugins()):
        plugins.register(_CaseSummary())


# --- The test ---------------------------------------------------------------------------------


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case, fuzz_world):
    phase = case.meta.phase.name.value if case.meta is not None else "unknown"
    fuzz_world.cases[phase] += 1
    errors_before = len(fuzz_world.server_errors)
    try:
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {fuzz_world.secret}"}, checks=CHECKS
        )
    except BaseException as error:
        fuzz_world.failed = True
        for server_traceback in fuzz_world.server_errors[errors_before:]:
            error.add_note(f"Server-side traceback of {server_traceback}")
        raise
    fuzz_world.statuses[response.status_code] += 1
