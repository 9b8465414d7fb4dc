"""The OpenAPI document at /api/schema/: valid, complete, and honest about auth and If-Match."""

import re

import pytest
from openapi_spec_validator import validate

from lodestar.urls import api_v1

WRITE_METHODS = ("put", "patch", "delete")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture
def schema(client, db) -> dict:
    # The schema is public (drf-spectacular's default SERVE_PERMISSIONS: AllowAny).
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


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
        if method in WRITE_METHODS
    ]
    # PUT, PATCH and DELETE of a product and of a membership.
    assert {(path, method) for path, method, _ in writes} == {
        (path, method)
        for path in ("/api/v1/products/{id}/", "/api/v1/products/{product_id}/members/{id}/")
        for method in WRITE_METHODS
    }
    for path, method, operation in writes:
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
        if method not in WRITE_METHODS:
            continue
        content = operation["responses"]["412"]["content"]["application/json"]["schema"]
        name = content["$ref"].rsplit("/", 1)[-1]
        assert {"error", "current"} <= set(components[name]["properties"]), (method, path)
