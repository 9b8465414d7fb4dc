import os
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from lodestar.celery import app as celery_app
from products.models import Membership, Product, Role
from tests.factories import ApiTokenFactory, MembershipFactory, ProductFactory, UserFactory

# CI sets this so that a test which would be skipped for a missing service (PostgreSQL,
# Redis, Chromium) fails instead: a green run then means everything really ran.
REQUIRE_ALL_TESTS = os.environ.get("LODESTAR_REQUIRE_ALL_TESTS", "").lower() in {"1", "true"}


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL_TESTS:
        pytest.fail(f"{reason} (LODESTAR_REQUIRE_ALL_TESTS is set, so this cannot be skipped)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _detect_n_plus_one(settings):
    """Every request a test makes runs under N+1 detection: a view or API call that queries
    once per row fails the test. Detection is per request (as in production code paths), so
    a test's own setup may look rows up one by one without tripping it."""
    settings.ZEAL_RAISE = True
    # Django's own session handling re-reads the session when it rotates the key at login and
    # logout; that is not a loop over rows.
    settings.ZEAL_ALLOWLIST = [{"model": "sessions.Session"}]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "zeal.middleware.zeal_middleware"]


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tests run tasks in-process unless a worker test opts into the real broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Team:
    """One product with a member of every role, and a user who belongs to none of it."""

    product: Product
    admin: object
    editor: object
    contributor: object
    viewer: object
    outsider: object

    def user(self, role: str):
        return getattr(self, role)

    def membership(self, role: str) -> Membership:
        return Membership.objects.get(product=self.product, user=self.user(role))


@pytest.fixture
def team(db) -> Team:
    product = ProductFactory(name="Atlas Fleet Platform")
    people = {}
    for role in Role:
        user = UserFactory(username=f"{role.value}-user")
        MembershipFactory(product=product, user=user, role=role)
        people[role.value] = user
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, role=Role.ADMIN)  # admin elsewhere, nothing here
    return Team(product=product, outsider=outsider, **people)


# The roadmap API's flat resources, each with a list at /api/v1/<name>/ and rows at <name>/<id>/.
ROADMAP_API_RESOURCES = (
    "teams",
    "objectives",
    "key-results",
    "roadmap-items",
    "dependencies",
    "releases",
    "checklist-entries",
    "risks",
    "insights",
    "snapshots",
    "share-links",
)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def client_for(user, *, token_scope: str | None = None, token_product=None) -> APIClient:
    """An API client acting as ``user``: with a bearer token if a scope is given, else a session."""
    client = APIClient()
    if user is None:
        return client
    if token_scope is None:
        client.force_login(user)
    else:
        token = ApiTokenFactory(user=user, scope=token_scope, product=token_product)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    return client
