import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from backlog.models import BacklogItem, ItemDependency, Sprint
from lodestar.ranking import RANK_STEP
from prds import services as prd_services
from prds.models import (
    AcceptanceCriterion,
    ApiContract,
    Comment,
    Decision,
    PerformanceExpectation,
    Prd,
    Review,
)
from products.activity import Actor
from products.models import ApiToken, Membership, Product, Role, TokenScope
from roadmaps.models import (
    ChecklistEntry,
    ChecklistKind,
    Dependency,
    Insight,
    KeyResult,
    Lane,
    Objective,
    Release,
    Risk,
    RoadmapItem,
    RoadmapSnapshot,
    RoadmapView,
    ShareLink,
    Team,
)
from roadmaps.queries import snapshot_rows


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(user, create, extracted, **kwargs):
        if create:
            user.save(update_fields=["password"])


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    description = "Route planning for regional carriers."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token whose secret is available as ``token.secret`` (only its hash is stored)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    scope = TokenScope.WRITE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = ApiToken.generate_secret()
        kwargs.update(key_hash=ApiToken.hash_secret(secret), display_prefix=secret[:12])
        token = super()._create(model_class, *args, **kwargs)
        token.secret = secret
        return token


# --- Roadmaps ---------------------------------------------------------------------------------


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    capacity_points = 30


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Key result {n}")
    target = Decimal(100)
    current = Decimal(40)
    unit = "%"


class RoadmapItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadmapItem

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Roadmap item {n}")
    lane = Lane.NEXT
    lane_rank = factory.Sequence(lambda n: float(n * 1024))
    start_date = factory.LazyFunction(lambda: datetime.date.today())
    end_date = factory.LazyAttribute(lambda item: item.start_date + datetime.timedelta(days=27))


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    blocker = factory.SubFactory(RoadmapItemFactory)
    blocked = factory.SubFactory(
        RoadmapItemFactory, product=factory.SelfAttribute("..blocker.product")
    )
    product = factory.SelfAttribute("blocker.product")


class ReleaseFactory(factory.django.DjangoModelFactory):
    """A planned release with its four open checklist entries."""

    class Meta:
        model = Release
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Release {n}")
    date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))

    @factory.post_generation
    def checklist(release, create, extracted, **kwargs):
        if create:
            ChecklistEntry.objects.bulk_create(
                ChecklistEntry(release=release, kind=kind) for kind in ChecklistKind.values
            )


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Risk {n}")
    likelihood = 2
    impact = 2


class InsightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insight

    product = factory.SubFactory(ProductFactory)
    account = factory.Sequence(lambda n: f"Account {n}")
    quote = "We re-plan every route by hand when a driver calls in sick."


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadmapSnapshot

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Baseline {n}")
    items = factory.LazyAttribute(
        lambda snapshot: snapshot_rows(
            RoadmapItem.objects.filter(product=snapshot.product).select_related("team")
        )
    )


class ShareLinkFactory(factory.django.DjangoModelFactory):
    """A share link whose token is available as ``link.token`` (only its hash is stored)."""

    class Meta:
        model = ShareLink

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Share link {n}")
    view = RoadmapView.TIMELINE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token = ShareLink.generate_token()
        kwargs.update(token_hash=ShareLink.hash_token(token), display_prefix=token[:10])
        link = super()._create(model_class, *args, **kwargs)
        link.token = token
        return link


# --- PRDs: made through the services, so each has its revision and rendered HTML, as in the app.


def _member(product, user, role=Role.EDITOR):
    Membership.objects.get_or_create(product=product, user=user, defaults={"role": role})
    return user


_FACTORY = Actor.task("test factory")


class PrdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prd

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"PRD {n}")
    owner = factory.SubFactory(UserFactory)
    body = "## Problem\n\nDispatchers cannot see which vehicles are late.\n\n## Goals\n\n- See it."

    @classmethod
    def _create(cls, model_class, *args, product, owner, **kwargs):
        _member(product, owner)
        return prd_services.prd_create(by=_FACTORY, product=product, owner=owner, **kwargs)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcceptanceCriterion

    prd = factory.SubFactory(PrdFactory)
    given = "a dispatcher on the live map"
    when = factory.Sequence(lambda n: f"vehicle {n} is 10 minutes late")
    then = "its marker turns amber"

    @classmethod
    def _create(cls, model_class, *args, prd, **kwargs):
        return prd_services.criterion_create(by=_FACTORY, prd=prd, **kwargs)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    prd = factory.SubFactory(PrdFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}: does this cover night shifts?")

    @classmethod
    def _create(cls, model_class, *args, prd, author, **kwargs):
        _member(prd.product, author, Role.CONTRIBUTOR)
        return prd_services.comment_create(
            by=Actor(user=author, channel=_FACTORY.channel), prd=prd, **kwargs
        )


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    prd = factory.SubFactory(PrdFactory)
    reviewer = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, prd, reviewer, **kwargs):
        _member(prd.product, reviewer, Role.CONTRIBUTOR)
        return prd_services.review_request(by=_FACTORY, prd=prd, reviewer=reviewer)


MINIMAL_CONTRACT = """openapi: 3.0.3
info:
  title: Fleet API
  version: "1.0"
paths:
  /vehicles:
    get:
      summary: List vehicles
      responses:
        "200":
          description: The vehicles
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    id: {type: integer}
                    plate: {type: string}
"""


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiContract

    prd = factory.SubFactory(PrdFactory)
    name = factory.Sequence(lambda n: f"Contract {n}")
    document = MINIMAL_CONTRACT

    @classmethod
    def _create(cls, model_class, *args, prd, **kwargs):
        return prd_services.contract_create(by=_FACTORY, prd=prd, **kwargs)


class ExpectationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PerformanceExpectation

    prd = factory.SubFactory(PrdFactory)
    metric = factory.Sequence(lambda n: f"p95 latency of GET /vehicles/{n}")
    comparator = "<"
    target = Decimal("200")
    unit = "ms"

    @classmethod
    def _create(cls, model_class, *args, prd, **kwargs):
        return prd_services.expectation_create(by=_FACTORY, prd=prd, **kwargs)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    prd = factory.SubFactory(PrdFactory)
    title = factory.Sequence(lambda n: f"Decision {n}")
    choice = "Poll every 30 seconds"
    options = factory.LazyFunction(
        lambda: [
            {"name": "Poll", "cost": "low", "scalability": "fine to 5k vehicles",
             "maintenance": "none", "business_impact": "30 s delay"},
            {"name": "Push", "cost": "high", "scalability": "any",
             "maintenance": "a socket service", "business_impact": "live"},
        ]
    )  # fmt: skip

    @classmethod
    def _create(cls, model_class, *args, prd, **kwargs):
        kwargs.setdefault("decided_by", prd.owner)
        return prd_services.decision_create(by=_FACTORY, prd=prd, **kwargs)


class SprintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sprint

    team = factory.SubFactory(TeamFactory)
    product = factory.LazyAttribute(lambda sprint: sprint.team.product)
    name = factory.Sequence(lambda n: f"Sprint {n}")
    start_date = factory.LazyFunction(datetime.date.today)
    end_date = factory.LazyAttribute(lambda sprint: sprint.start_date + datetime.timedelta(days=13))


class BacklogItemFactory(factory.django.DjangoModelFactory):
    """An item ranked after every earlier one (ranks 1024, 2048, … in creation order)."""

    class Meta:
        model = BacklogItem

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Backlog item {n}")
    estimate = 3
    rank = factory.Sequence(lambda n: (n + 1) * RANK_STEP)


class ItemDependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemDependency

    blocker = factory.SubFactory(BacklogItemFactory)
    product = factory.LazyAttribute(lambda dependency: dependency.blocker.product)
    blocked = factory.SubFactory(
        BacklogItemFactory, product=factory.SelfAttribute("..blocker.product")
    )
