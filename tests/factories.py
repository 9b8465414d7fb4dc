import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

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
