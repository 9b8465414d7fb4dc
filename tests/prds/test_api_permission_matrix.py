"""Every PRD endpoint × every kind of caller: the exact status each one gets.

A non-member learns nothing (404), a role too low is refused (403), an anonymous caller gets 401;
a read-scoped token never writes (403) and a token limited to another product sees nothing of
this one (404), whatever its user's role. Beyond roles: only the requested reviewer gives a
verdict, a comment is deleted by its author or an admin, and the built-in templates are read by
everyone signed in and written by no one.
"""

import collections
import dataclasses
from collections.abc import Callable

import pytest

from prds import services
from prds.models import AcceptanceCriterion, Prd, PrdTemplate
from products.activity import Actor
from products.models import Role
from tests.conftest import client_for
from tests.factories import (
    MINIMAL_CONTRACT,
    CommentFactory,
    ContractFactory,
    CriterionFactory,
    DecisionFactory,
    ExpectationFactory,
    MembershipFactory,
    PrdFactory,
    ProductFactory,
    ReviewFactory,
)

ROLES = ["admin", "editor", "contributor", "viewer"]
CALLERS = [*ROLES, "outsider", "anonymous", "read token", "other-product token"]
V1 = {"HTTP_IF_MATCH": '"1"'}
EVERYONE = set(ROLES)
CONTRIBUTORS = {"admin", "editor", "contributor"}
EDITORS = {"admin", "editor"}
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


@dataclasses.dataclass(frozen=True)
class Op:
    route: str  # as the schema spells it
    method: str
    allowed: set[str]  # the roles that succeed
    ok: int
    call: Callable
    public: bool = False  # the built-in templates: the same for members and non-members

    @property
    def safe(self) -> bool:
        return self.method == "get"


def _world(team, *, with_contract: bool) -> dict:
    """A PRD in review (the contributor is its pending reviewer) with two revisions and a part
    of every kind, a product template, and (only when asked: it needs the contract parser) a
    contract with two revisions."""
    product = team.product
    prd = PrdFactory(product=product, owner=team.editor)
    services.prd_update(prd=prd, by=Actor.task("test"), expected_version=1, body="Second")
    review = ReviewFactory(prd=prd, reviewer=team.contributor)
    services.prd_transition(prd=prd, by=Actor.task("test"), expected_version=2, status="in_review")
    Prd.objects.filter(pk=prd.pk).update(version=1)  # so that every write may send "1"
    first, second = CriterionFactory(prd=prd), CriterionFactory(prd=prd)
    world = {
        "product": product.pk,
        "prd": prd.pk,
        "review": review.pk,
        "criterion": first.pk,
        "second": second.pk,
        "expectation": ExpectationFactory(prd=prd).pk,
        "decision": DecisionFactory(prd=prd).pk,
        "comment": CommentFactory(prd=prd, author=team.contributor).pk,
        "template": services.template_create(
            by=Actor.task("test"), product=product, name="Spike", body="## Question"
        ).pk,
        "builtin": PrdTemplate.objects.get(product=None, name="Standard PRD").pk,
        "contract": 0,
    }
    if with_contract:
        contract = ContractFactory(prd=prd)
        services.contract_update(
            contract=contract,
            by=Actor.task("test"),
            expected_version=1,
            document=MINIMAL_CONTRACT.replace("List vehicles", "All vehicles"),
        )
        contract.__class__.objects.filter(pk=contract.pk).update(version=1)
        world["contract"] = contract.pk
    return world


def _operations(w: dict, member_id: int) -> dict[str, Op]:
    p, prd = w["product"], w["prd"]
    V = "/api/v1"

    def crud(resource, key, body, patch, *, create=EDITORS, delete=EDITORS, put=None):
        url = f"{V}/{resource}/"
        one = f"{url}{w[key]}/"
        ops = {
            f"list {resource}": Op(
                f"{url}", "get", EVERYONE, 200, lambda c: c.get(url, {"product": p})
            ),
            f"create {resource}": Op(f"{url}", "post", create, 201, lambda c: c.post(url, body)),
            f"read {resource}": Op(f"{url}{{id}}/", "get", EVERYONE, 200, lambda c: c.get(one)),
            f"delete {resource}": Op(
                f"{url}{{id}}/", "delete", delete, 204, lambda c: c.delete(one, **V1)
            ),
        }
        if patch is not None:
            ops[f"update {resource}"] = Op(
                f"{url}{{id}}/", "patch", EDITORS, 200, lambda c: c.patch(one, patch, **V1)
            )
        if put is not None:
            ops[f"replace {resource}"] = Op(
                f"{url}{{id}}/", "put", EDITORS, 200, lambda c: c.put(one, put, **V1)
            )
        return ops

    def get(route, url, params=None):
        return Op(route, "get", EVERYONE, 200, lambda c: c.get(url, params or {}))

    builtin = f"{V}/prd-templates/{w['builtin']}/"
    contract = f"{V}/api-contracts/{w['contract']}/"
    return {
        **crud(
            "prds",
            "prd",
            {"product": p, "title": "Offline mode"},
            {"title": "Live ETA v2"},
            put={"title": "Live ETA v3", "owner": member_id},
        ),
        "transition prds": Op(
            f"{V}/prds/{{id}}/transition/",
            "post",
            EDITORS,
            200,
            lambda c: c.post(f"{V}/prds/{prd}/transition/", {"status": "draft", "version": 1}),
        ),
        "restore prds": Op(
            f"{V}/prds/{{id}}/restore/",
            "post",
            EDITORS,
            200,
            lambda c: c.post(f"{V}/prds/{prd}/restore/", {"revision": 1, "version": 1}),
        ),
        "list prd revisions": get(f"{V}/prds/{{id}}/revisions/", f"{V}/prds/{prd}/revisions/"),
        "read prd revisions": get(
            f"{V}/prds/{{id}}/revisions/{{number}}/", f"{V}/prds/{prd}/revisions/1/"
        ),
        "diff prd revisions": get(
            f"{V}/prds/{{id}}/revisions/diff/",
            f"{V}/prds/{prd}/revisions/diff/",
            {"from": 1, "to": 2},
        ),
        **crud(
            "acceptance-criteria",
            "criterion",
            {"prd": prd, "kind": "text", "text": "Works offline"},
            {"then": "it turns red"},
            put={"kind": "text", "text": "Works offline", "status": "met"},
        ),
        "set status acceptance-criteria": Op(
            f"{V}/acceptance-criteria/{{id}}/",
            "patch",
            CONTRIBUTORS,
            200,
            lambda c: c.patch(
                f"{V}/acceptance-criteria/{w['criterion']}/", {"status": "met"}, **V1
            ),
        ),
        "move acceptance-criteria": Op(
            f"{V}/acceptance-criteria/{{id}}/move/",
            "post",
            EDITORS,
            200,
            lambda c: c.post(
                f"{V}/acceptance-criteria/{w['criterion']}/move/",
                {"after": w["second"], "version": 1},
            ),
        ),
        **crud(
            "api-contracts",
            "contract",
            {"prd": prd, "name": "Fleet", "document": MINIMAL_CONTRACT},
            {"name": "Fleet API"},
            put={"name": "Fleet API", "document": MINIMAL_CONTRACT},
        ),
        "list api-contract revisions": get(
            f"{V}/api-contracts/{{id}}/revisions/", f"{contract}revisions/"
        ),
        "breaking-changes api-contracts": get(
            f"{V}/api-contracts/{{id}}/breaking-changes/",
            f"{contract}breaking-changes/",
            {"from": 1, "to": 2},
        ),
        **crud(
            "performance-expectations",
            "expectation",
            {"prd": prd, "metric": "p95 of GET /eta", "target": "200", "unit": "ms"},
            {"target": "150"},
            put={"metric": "p99 of GET /eta", "target": "400"},
        ),
        **crud(
            "decisions",
            "decision",
            {"prd": prd, "title": "Polling", "options": [{"name": "Poll"}], "choice": "Poll"},
            {"choice": "Push"},
            put={"title": "Push", "options": [{"name": "Push"}], "choice": "Push"},
        ),
        **crud("reviews", "review", {"prd": prd, "reviewer": member_id}, None),
        "verdict reviews": Op(
            f"{V}/reviews/{{id}}/",
            "patch",
            {"contributor"},  # the requested reviewer, and nobody else
            200,
            lambda c: c.patch(f"{V}/reviews/{w['review']}/", {"verdict": "approved"}, **V1),
        ),
        **crud(
            "comments",
            "comment",
            {"prd": prd, "criterion": w["criterion"], "body": "Night shifts?"},
            None,
            create=CONTRIBUTORS,
            delete={"admin", "contributor"},  # an admin, or its author
        ),
        **crud(
            "prd-templates",
            "template",
            {"product": p, "name": "Incident", "body": "## What happened"},
            {"description": "For spikes"},
            put={"name": "Spike", "body": "## Question\n## Answer"},
        ),
        "read builtin prd-templates": Op(
            f"{V}/prd-templates/{{id}}/", "get", EVERYONE, 200, lambda c: c.get(builtin), True
        ),
        "update builtin prd-templates": Op(
            f"{V}/prd-templates/{{id}}/",
            "patch",
            set(),
            200,
            lambda c: c.patch(builtin, {"name": "Mine"}, **V1),
            True,
        ),
        "replace builtin prd-templates": Op(
            f"{V}/prd-templates/{{id}}/",
            "put",
            set(),
            200,
            lambda c: c.put(builtin, {"name": "Mine", "body": "x"}, **V1),
            True,
        ),
        "delete builtin prd-templates": Op(
            f"{V}/prd-templates/{{id}}/",
            "delete",
            set(),
            204,
            lambda c: c.delete(builtin, **V1),
            True,
        ),
    }


OPERATIONS = _operations(collections.defaultdict(lambda: 1), 1)  # names and routes only


def _expected(caller: str, op: Op) -> int:
    if caller == "anonymous":
        return 401
    if caller == "read token":  # an admin's read-only token
        return op.ok if op.safe and "admin" in op.allowed else 403
    if caller in ("outsider", "other-product token"):
        if op.public:
            return op.ok if op.safe else 403
        return 404
    return op.ok if caller in op.allowed else 403


def _client(team, caller: str):
    if caller == "anonymous":
        return client_for(None)
    if caller == "read token":
        return client_for(team.admin, token_scope="read")
    if caller == "other-product token":
        elsewhere = ProductFactory(name="Elsewhere")
        MembershipFactory(product=elsewhere, user=team.admin, role=Role.ADMIN)
        return client_for(team.admin, token_scope="write", token_product=elsewhere)
    return client_for(team.user(caller), token_scope="write")


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_prd_api_matrix(team, caller, operation):
    world = _world(team, with_contract="api-contract" in operation)
    # The member a review is requested from (and a PRD handed to): the admin.
    op = _operations(world, team.admin.pk)[operation]

    response = op.call(_client(team, caller))

    assert response.status_code == _expected(caller, op), response.content


def test_every_prd_endpoint_is_in_the_matrix(client, db):
    schema = client.get("/api/schema/?format=json").json()
    documented = {
        (path, method)
        for path, item in schema["paths"].items()
        if path.split("/")[3] in PRD_RESOURCES
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == {(op.route, op.method) for op in OPERATIONS.values()}


@pytest.mark.parametrize("caller", ["contributor", "viewer", "outsider", "read token"])
def test_refused_writes_change_nothing(team, caller):
    world = _world(team, with_contract=False)
    client = _client(team, caller)
    operations = _operations(world, team.admin.pk)
    for name, op in operations.items():
        if not op.safe and caller not in op.allowed and "api-contracts" not in name:
            op.call(client)
    prd = Prd.objects.get(pk=world["prd"])
    assert prd.version == 1
    assert prd.revisions.count() == 3
    assert Prd.objects.count() == 1
    assert AcceptanceCriterion.objects.filter(version=1).count() == 2
    assert PrdTemplate.objects.filter(version=1).count() == 2


def test_a_token_limited_to_one_product_lists_nothing_of_another(team):
    _world(team, with_contract=False)
    elsewhere = ProductFactory(name="Elsewhere")
    MembershipFactory(product=elsewhere, user=team.admin, role=Role.ADMIN)
    client = client_for(team.admin, token_scope="write", token_product=elsewhere)
    for resource in PRD_RESOURCES:
        rows = client.get(f"/api/v1/{resource}/").json()["results"]
        if resource == "prd-templates":
            assert [row["name"] for row in rows] == ["Standard PRD"]
        else:
            assert rows == [], resource
