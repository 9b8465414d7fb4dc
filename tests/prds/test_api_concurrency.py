"""Optimistic concurrency on every PRD write: a stale version gets 412 with the object as it is
now (the same body a read gives), a missing one gets 428, and neither changes anything."""

import pytest
from django.db.models import F

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
from tests.conftest import client_for
from tests.factories import (
    CommentFactory,
    ContractFactory,
    CriterionFactory,
    DecisionFactory,
    ExpectationFactory,
    PrdFactory,
    ReviewFactory,
)

MODELS = {
    "prds": Prd,
    "acceptance-criteria": AcceptanceCriterion,
    "api-contracts": ApiContract,
    "performance-expectations": PerformanceExpectation,
    "decisions": Decision,
    "reviews": Review,
    "comments": Comment,
    "prd-templates": PrdTemplate,
}

# resource, method, path after the object's URL, body (without version), caller
WRITES = [
    ("prds", "patch", "", {"title": "Theirs"}, "admin"),
    ("prds", "put", "", {"title": "Theirs"}, "admin"),
    ("prds", "delete", "", None, "admin"),
    ("prds", "post", "transition/", {"status": "superseded"}, "admin"),
    ("prds", "post", "restore/", {"revision": 1}, "admin"),
    ("acceptance-criteria", "patch", "", {"status": "met"}, "contributor"),
    ("acceptance-criteria", "put", "", {"kind": "text", "text": "Works offline"}, "admin"),
    ("acceptance-criteria", "delete", "", None, "admin"),
    ("acceptance-criteria", "post", "move/", {"after": None}, "admin"),
    ("api-contracts", "patch", "", {"name": "Renamed"}, "admin"),
    ("api-contracts", "delete", "", None, "admin"),
    ("performance-expectations", "patch", "", {"target": "100"}, "admin"),
    ("performance-expectations", "delete", "", None, "admin"),
    ("decisions", "patch", "", {"choice": "Push"}, "admin"),
    ("decisions", "delete", "", None, "admin"),
    ("reviews", "patch", "", {"verdict": "approved"}, "contributor"),
    ("reviews", "delete", "", None, "admin"),
    ("comments", "delete", "", None, "admin"),
    ("prd-templates", "patch", "", {"name": "Renamed"}, "admin"),
    ("prd-templates", "put", "", {"name": "Renamed", "body": "x"}, "admin"),
    ("prd-templates", "delete", "", None, "admin"),
]
NEEDS_CONTRACTS = {"api-contracts"}


def _objects(team, resource: str):
    prd = PrdFactory(product=team.product, owner=team.editor)
    if resource == "prds":
        return prd
    if resource == "acceptance-criteria":
        return CriterionFactory(prd=prd)
    if resource == "api-contracts":
        return ContractFactory(prd=prd)
    if resource == "performance-expectations":
        return ExpectationFactory(prd=prd)
    if resource == "decisions":
        return DecisionFactory(prd=prd)
    if resource == "reviews":
        review = ReviewFactory(prd=prd, reviewer=team.contributor)
        services.prd_transition(
            prd=prd, by=Actor.task("test"), expected_version=1, status="in_review"
        )
        return review
    if resource == "comments":
        return CommentFactory(prd=prd, author=team.contributor)
    return services.template_create(
        by=Actor.task("test"), product=team.product, name="Spike", body="## Question"
    )


def _send(client, method: str, url: str, body: dict | None, **headers):
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, body, **headers)


def _ids(writes):
    return [f"{method} {resource}/{{id}}/{tail}" for resource, method, tail, _, _ in writes]


@pytest.mark.parametrize("resource, method, tail, body, caller", WRITES, ids=_ids(WRITES))
def test_a_stale_write_gets_412_with_the_current_object(team, resource, method, tail, body, caller):
    instance = _objects(team, resource)
    model = MODELS[resource]
    # Someone else saved it first.
    model.objects.filter(pk=instance.pk).update(version=F("version") + 1)
    version = model.objects.get(pk=instance.pk).version
    client = client_for(team.user(caller), token_scope="write")
    url = f"/api/v1/{resource}/{instance.pk}/"

    response = _send(client, method, url + tail, body, HTTP_IF_MATCH=f'"{version - 1}"')

    assert response.status_code == 412, response.content
    error = response.json()
    assert error["error"]["code"] == "precondition_failed"
    assert error["current"] == client.get(url).json()
    assert error["current"]["version"] == version
    assert model.objects.get(pk=instance.pk).version == version


@pytest.mark.parametrize("resource, method, tail, body, caller", WRITES, ids=_ids(WRITES))
def test_a_write_without_a_version_gets_428(team, resource, method, tail, body, caller):
    instance = _objects(team, resource)
    model = MODELS[resource]
    before = model.objects.get(pk=instance.pk).version
    client = client_for(team.user(caller), token_scope="write")

    response = _send(client, method, f"/api/v1/{resource}/{instance.pk}/{tail}", body)

    assert response.status_code == 428, response.content
    assert response.json()["error"]["code"] == "precondition_required"
    assert model.objects.get(pk=instance.pk).version == before


def test_the_version_field_works_like_if_match(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    client = client_for(team.editor, token_scope="write")
    first = client.patch(f"/api/v1/prds/{prd.pk}/", {"body": "Mine", "version": 1})
    assert first.status_code == 200
    second = client.patch(f"/api/v1/prds/{prd.pk}/", {"body": "Stale", "version": 1})
    assert second.status_code == 412
    assert second.json()["current"]["body"] == "Mine"
    prd.refresh_from_db()
    assert prd.body == "Mine"
    assert prd.revisions.count() == 2


def test_a_bad_version_is_a_field_error(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    client = client_for(team.editor, token_scope="write")
    response = client.patch(f"/api/v1/prds/{prd.pk}/", {"body": "x"}, HTTP_IF_MATCH='"one"')
    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]


def test_a_write_to_a_deleted_object_is_a_404(team):
    prd = PrdFactory(product=team.product, owner=team.editor)
    client = client_for(team.editor, token_scope="write")
    assert client.delete(f"/api/v1/prds/{prd.pk}/", HTTP_IF_MATCH='"1"').status_code == 204
    response = client.patch(f"/api/v1/prds/{prd.pk}/", {"body": "x"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 404
