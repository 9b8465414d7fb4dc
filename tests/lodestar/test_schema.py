"""The OpenAPI document at /api/schema/: valid, complete, and honest about auth and If-Match."""

import re

import pytest
from openapi_spec_validator import validate

from lodestar.urls import api_v1
from tests.conftest import ROADMAP_API_RESOURCES

WRITE_METHODS = ("put", "patch", "delete")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture
def schema(client, db) -> dict:
    # The schema is public (drf-spectacular's default SERVE_PERMISSIONS: AllowAny).
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


# The writes that need If-Match: every PUT/PATCH/DELETE of a versioned row, and the actions that
# change one (move, ship). Snapshots are the exception: immutable, unversioned, deleted outright.
VERSIONED_WRITES = {
    *(
        (path, method)
        for path in (
            "/api/v1/products/{id}/",
            "/api/v1/products/{product_id}/members/{id}/",
            *(
                f"/api/v1/{resource}/{{id}}/"
                for resource in ROADMAP_API_RESOURCES
                if resource not in ("dependencies", "checklist-entries", "snapshots", "share-links")
            ),
        )
        for method in WRITE_METHODS
    ),
    ("/api/v1/products/{id}/vision/", "put"),
    ("/api/v1/products/{id}/vision/", "patch"),
    ("/api/v1/dependencies/{id}/", "delete"),
    ("/api/v1/checklist-entries/{id}/", "patch"),
    ("/api/v1/share-links/{id}/", "delete"),
    ("/api/v1/roadmap-items/{id}/move/", "post"),
    ("/api/v1/releases/{id}/ship/", "post"),
    *(
        (f"/api/v1/{resource}/{{id}}/", method)
        for resource in (
            "prds",
            "acceptance-criteria",
            "api-contracts",
            "performance-expectations",
            "decisions",
            "prd-templates",
        )
        for method in WRITE_METHODS
    ),
    ("/api/v1/reviews/{id}/", "patch"),
    ("/api/v1/reviews/{id}/", "delete"),
    ("/api/v1/comments/{id}/", "delete"),
    ("/api/v1/prds/{id}/transition/", "post"),
    ("/api/v1/prds/{id}/restore/", "post"),
    ("/api/v1/acceptance-criteria/{id}/move/", "post"),
}
PRD_API_RESOURCES = (
    "prds",
    "acceptance-criteria",
    "api-contracts",
    "performance-expectations",
    "decisions",
    "reviews",
    "comments",
    "prd-templates",
)


def _operations(schema: dict, prefix: str = "/api/v1/"):
    for path, item in schema["paths"].items():
        if path.startswith(prefix):
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    yield path, method, operation


def _routes_of_the_urlconf() -> set[str]:
    """Every route under /api/v1/ in lodestar/urls.py, spelled as OpenAPI paths."""
    patterns, _ = api_v1
    routes = set()
    for pattern in patterns:
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        routes.add("/api/v1/" + route.replace("{pk}", "{id}"))
    return routes


def test_the_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Lodestar API"
    validate(schema)  # raises on any violation of the OpenAPI specification


def test_the_schema_needs_no_login(client, db):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200


def test_every_api_path_is_documented(schema):
    documented = {path for path in schema["paths"] if path.startswith("/api/v1/")}

    assert documented == {
        "/api/v1/products/",
        "/api/v1/products/{id}/",
        "/api/v1/products/{product_id}/members/",
        "/api/v1/products/{product_id}/members/{id}/",
        "/api/v1/me/",
        "/api/v1/products/{id}/vision/",
        *(f"/api/v1/{resource}/" for resource in ROADMAP_API_RESOURCES),
        *(f"/api/v1/{resource}/{{id}}/" for resource in ROADMAP_API_RESOURCES),
        "/api/v1/roadmap-items/{id}/move/",
        "/api/v1/releases/{id}/readiness/",
        "/api/v1/releases/{id}/ship/",
        "/api/v1/snapshots/{id}/compare/",
        *(f"/api/v1/{resource}/" for resource in PRD_API_RESOURCES),
        *(f"/api/v1/{resource}/{{id}}/" for resource in PRD_API_RESOURCES),
        "/api/v1/prds/{id}/transition/",
        "/api/v1/prds/{id}/restore/",
        "/api/v1/prds/{id}/revisions/",
        "/api/v1/prds/{id}/revisions/diff/",
        "/api/v1/prds/{id}/revisions/{number}/",
        "/api/v1/acceptance-criteria/{id}/move/",
        "/api/v1/api-contracts/{id}/revisions/",
        "/api/v1/api-contracts/{id}/breaking-changes/",
    }
    # ...and stays in step with the URLconf when an endpoint is added.
    assert documented == _routes_of_the_urlconf()


def test_the_bearer_scheme_is_documented_and_used(schema):
    schemes = schema["components"]["securitySchemes"]
    bearer = [
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"
    ]
    assert bearer, schemes

    operations = list(_operations(schema))
    assert operations
    for path, method, operation in operations:
        names = {name for requirement in operation.get("security", []) for name in requirement}
        assert names & set(bearer), f"{method.upper()} {path} does not accept the bearer token"


def test_writes_document_if_match_412_and_428(schema):
    writes = [
        (path, method, operation)
        for path, method, operation in _operations(schema)
        if method in WRITE_METHODS or (path, method) in VERSIONED_WRITES
    ]
    unversioned = {("/api/v1/snapshots/{id}/", "delete")}
    assert {(path, method) for path, method, _ in writes} == VERSIONED_WRITES | unversioned
    for path, method, operation in writes:
        if (path, method) in unversioned:
            continue
        where = f"{method.upper()} {path}"
        assert "412" in operation["responses"], where
        assert "428" in operation["responses"], where
        headers = {
            parameter["name"].lower(): parameter
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header"
        }
        assert "if-match" in headers, where


def test_a_412_body_carries_the_current_object(schema):
    """A client merging a conflict needs `current`: the 412 response describes it."""
    components = schema["components"]["schemas"]
    for path, method, operation in _operations(schema):
        if (path, method) not in VERSIONED_WRITES:
            continue
        content = operation["responses"]["412"]["content"]["application/json"]["schema"]
        name = content["$ref"].rsplit("/", 1)[-1]
        assert {"error", "current"} <= set(components[name]["properties"]), (method, path)


def test_roadmap_objects_carry_product_version_and_their_page(schema):
    components = schema["components"]["schemas"]
    for name in ["RoadmapItem", "Objective", "Release", "Risk", "Insight", "ShareLink"]:
        properties = components[name]["properties"]
        assert {"product", "version", "html_url"} <= set(properties), name
        assert properties["product"].get("readOnly"), name
    for name in ["RoadmapItemCreateRequest", "TeamCreateRequest", "DependencyCreateRequest"]:
        assert "product" in components[name]["required"], name


def test_share_link_token_is_only_in_the_create_response(schema):
    components = schema["components"]["schemas"]
    assert "token" in components["ShareLinkCreated"]["properties"]
    assert "token" not in components["ShareLink"]["properties"]
