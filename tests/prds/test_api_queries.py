"""SQL queries of the PRD API: a constant number, whatever the number of rows listed or of a
PRD's criteria, comments and revisions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prds import services
from prds.models import AcceptanceCriterion, Comment, PrdRevision, PrdTemplate, Review
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
    ReviewFactory,
    RoadmapItemFactory,
    UserFactory,
)

SIZES = [5, 100]


def _grown(team, size: int):
    """A PRD with ``size`` criteria, comments (on criteria, some replies), revisions, reviewers
    and linked roadmap items: every per-row lookup its detail could make has rows to make it."""
    prd = PrdFactory(product=team.product, owner=team.editor)
    criteria = AcceptanceCriterion.objects.bulk_create(
        AcceptanceCriterion(
            prd=prd, given="g", when=f"w{n}", then="t", rank=n, status="met" if n % 2 else "open"
        )
        for n in range(size)
    )
    comments = Comment.objects.bulk_create(
        Comment(prd=prd, criterion=criteria[n], author=team.contributor, body="b", body_html="b")
        for n in range(size)
    )
    Comment.objects.bulk_create(
        Comment(prd=prd, parent=parent, author=team.editor, body="r", body_html="r")
        for parent in comments
    )
    PrdRevision.objects.bulk_create(
        PrdRevision(prd=prd, number=n, title="t", status="draft", owner_name="o", body=f"{n}")
        for n in range(2, size + 2)
    )
    reviewers = UserFactory.create_batch(size)
    for reviewer in reviewers:
        MembershipFactory(product=team.product, user=reviewer, role=Role.CONTRIBUTOR)
    Review.objects.bulk_create(Review(prd=prd, reviewer=reviewer) for reviewer in reviewers)
    prd.roadmap_items.set(RoadmapItemFactory.create_batch(size, product=team.product))
    return prd


@pytest.mark.parametrize("size", SIZES)
def test_prd_detail_queries_are_constant(team, django_assert_num_queries, size):
    prd = _grown(team, size)
    client = client_for(team.viewer)
    # 1 session, 2 user, 3 the PRD, 4 the caller's membership (object_for), 5 the PRD's row
    # with its owner, current revision and criteria counts, 6 its roadmap item ids,
    # 7 its reviews with their reviewers.
    with django_assert_num_queries(7):
        response = client.get(f"/api/v1/prds/{prd.pk}/")
    body = response.json()
    assert body["criteria_total"] == size
    assert body["criteria_met"] == size // 2
    assert len(body["reviewers"]) == size
    assert len(body["roadmap_items"]) == size


def test_prd_patch_queries_do_not_grow_with_the_prd(team):
    client = client_for(team.editor)
    counts = []
    for size in SIZES:
        prd = _grown(team, size)
        with CaptureQueriesContext(connection) as captured:
            response = client.patch(f"/api/v1/prds/{prd.pk}/", {"body": "New", "version": 1})
        assert response.status_code == 200, response.content
        counts.append(len(captured))
    assert counts[0] == counts[1]


def _rows(team, resource: str, size: int) -> dict:
    """``size`` rows of ``resource`` in the team's product, and the filter to list them."""
    prd = PrdFactory(product=team.product, owner=team.editor)
    if resource == "prds":
        for _ in range(size - 1):
            other = PrdFactory(product=team.product, owner=team.editor)
            CriterionFactory(prd=other)
            ReviewFactory(prd=other, reviewer=team.contributor)
            other.roadmap_items.set([RoadmapItemFactory(product=team.product)])
        return {"product": team.product.pk}
    if resource == "acceptance-criteria":
        CriterionFactory.create_batch(size, prd=prd)
    elif resource == "api-contracts":
        for n in range(size):
            ContractFactory(prd=prd, name=f"Contract {n}")
    elif resource == "contract-revisions":
        contract = ContractFactory(prd=prd)
        for n in range(size - 1):
            services.contract_update(
                contract=contract,
                by=Actor.task("test"),
                expected_version=n + 1,
                document=MINIMAL_CONTRACT.replace("List vehicles", f"List vehicles {n}"),
            )
        return {"contract": contract.pk}
    elif resource == "comments":
        CommentFactory.create_batch(size, prd=prd, author=team.contributor)
    elif resource == "performance-expectations":
        ExpectationFactory.create_batch(size, prd=prd)
    elif resource == "decisions":
        DecisionFactory.create_batch(size, prd=prd)
    elif resource == "reviews":
        for _ in range(size):
            ReviewFactory(prd=prd, reviewer=UserFactory())
    elif resource == "prd-templates":
        for n in range(size):
            services.template_create(
                by=Actor.task("test"), product=team.product, name=f"T{n}", body="b"
            )
        return {"product": team.product.pk}
    elif resource == "revisions":
        for n in range(size - 1):
            services.prd_update(
                prd=prd, by=Actor.task("test"), expected_version=n + 1, body=f"Text {n}"
            )
    return {"prd": prd.pk}


# Every list: 1 session, 2 user, 3 the page of rows (of the caller's products, with what
# they show of their users and current revisions); then PRDs:
# 4 their roadmap item ids, 5 their reviews; templates: 4 the membership of ?product= (the
# built-in templates fill every page, so a page proves nothing about the product).
LIST_QUERIES = {
    "prds": 5,
    "acceptance-criteria": 3,
    "api-contracts": 3,
    "comments": 3,
    "performance-expectations": 3,
    "decisions": 3,
    "reviews": 3,
    "prd-templates": 4,
}


@pytest.mark.parametrize("resource", LIST_QUERIES)
@pytest.mark.parametrize("size", SIZES)
def test_list_queries_are_constant(team, django_assert_num_queries, resource, size):
    params = _rows(team, resource, size)
    client = client_for(team.viewer)
    with django_assert_num_queries(LIST_QUERIES[resource]):
        response = client.get(f"/api/v1/{resource}/", {**params, "page_size": 100})
    assert response.status_code == 200
    expected = size + 1 if resource == "prd-templates" else size  # + the standard template
    assert len(response.json()["results"]) == min(expected, 100)


@pytest.mark.parametrize("size", SIZES)
def test_prd_list_without_a_product_is_constant_too(team, django_assert_num_queries, size):
    _rows(team, "prds", size)
    client = client_for(team.viewer)
    # 1 session, 2 user, 3 the page, 4 roadmap item ids, 5 reviews.
    with django_assert_num_queries(5):
        response = client.get("/api/v1/prds/", {"page_size": 100})
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_revision_list_queries_are_constant(team, django_assert_num_queries, size):
    params = _rows(team, "revisions", size)
    client = client_for(team.viewer)
    # 1 session, 2 user, 3 the PRD, 4 the caller's membership, 5 the page of revisions with
    # their authors.
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/prds/{params['prd']}/revisions/", {"page_size": 100})
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_contract_revision_list_queries_are_constant(team, django_assert_num_queries, size):
    params = _rows(team, "contract-revisions", size)
    client = client_for(team.viewer)
    url = f"/api/v1/api-contracts/{params['contract']}/revisions/"
    # 1 session, 2 user, 3 the contract with its PRD, 4 the caller's membership, 5 the page of
    # revisions with their authors.
    with django_assert_num_queries(5):
        response = client.get(url, {"page_size": 100})
    assert len(response.json()["results"]) == size


def test_builtin_templates_are_listed_without_a_product(team, django_assert_num_queries):
    PrdTemplate.objects.create(product=team.product, name="Spike", body="b")
    client = client_for(team.viewer)
    # 1 session, 2 user, 3 the page: no product asked, nothing to check.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/prd-templates/")
    assert len(response.json()["results"]) == 2


def test_revision_diff_queries(team, django_assert_num_queries):
    prd = PrdFactory(product=team.product, owner=team.editor)
    services.prd_update(prd=prd, by=Actor.task("test"), expected_version=1, body="Other")
    client = client_for(team.viewer)
    # 1 session, 2 user, 3 the PRD, 4 the membership, 5 both revisions.
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/prds/{prd.pk}/revisions/diff/", {"from": 1, "to": 2})
    assert response.status_code == 200
