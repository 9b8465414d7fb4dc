"""The benchmark product (``seed_demo --size large``): 500 roadmap items and 1,000 dependencies.

Six teams, a year of dates around today, releases with checklists, risks and customer evidence,
shaped like the demo roadmap but generated (always the same, from a fixed seed). The product, its
members and its vision go through the services; the bulk of rows is written with
``bulk_create`` in one transaction, so the whole product takes well under a few seconds. One
activity entry records the generation.

Dependencies only ever point from a lower item index to a higher one, so the graph is acyclic by
construction; dates grow with the index, with enough jitter that some blockers end after the
item they block starts (late flags).
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from products.activity import Actor, activity_record
from products.models import Product, Role
from products.services import membership_add, product_create
from roadmaps import services
from roadmaps.models import (
    ChecklistEntry,
    ChecklistKind,
    Dependency,
    Insight,
    InsightSource,
    Lane,
    Objective,
    Release,
    ReleaseStatus,
    Risk,
    RiskStatus,
    RoadmapItem,
    Status,
    Team,
)

OWNER_USERNAME = "atlas-bench"
NAME = "Atlas Benchmark Fleet"
ITEM_COUNT = 500
DEPENDENCY_COUNT = 1000
# The furthest (in item index) a dependency reaches: arrows stay local, as in real plans.
DEPENDENCY_REACH = 40
RELEASE_COUNT = 12
RISK_COUNT = 40
INSIGHT_COUNT = 150

TEAMS = ["Routing", "Telematics", "Delivery", "Mobile", "Platform", "Data"]
THEMES = [
    "ETA accuracy",
    "EU compliance",
    "Proof of delivery",
    "Dispatcher productivity",
    "Route planning",
    "Integrations",
    "Reliability",
    "Reporting",
]
OBJECTIVES = [
    "Make ETAs customers can trust",
    "Make EU driving-time compliance effortless",
    "Go paperless on proof of delivery",
    "Halve the time dispatchers spend on exceptions",
]
VERBS = ["Optimise", "Redesign", "Automate", "Sync", "Export", "Forecast", "Audit", "Validate"]
NOUNS = [
    "stop sequencing",
    "depot handovers",
    "driver breaks",
    "fuel cards",
    "customs papers",
    "trailer swaps",
    "pallet counts",
    "delivery windows",
    "geofences",
    "tachograph files",
    "ETA feeds",
    "route costs",
    "toll charges",
    "proof-of-delivery photos",
    "cold-chain readings",
    "vehicle checks",
]
ACCOUNTS = [
    "Nordline Haulage",
    "Baltic Express Freight",
    "Rhein Cargo",
    "Iberia Transportes",
    "Kestrel Foods Distribution",
    "Maple Route Logistics",
    "Fjordline Transport",
    "Danube Logistics",
    "Alpine Freight Partners",
    "Celtic Cargo Lines",
]
MEMBERS = [
    ("priya", Role.EDITOR),
    ("maya", Role.EDITOR),
    ("diego", Role.CONTRIBUTOR),
    ("helen", Role.VIEWER),
]


def owner() -> object:
    """The benchmark product's admin: a user nobody signs in as (no usable password)."""
    user, created = get_user_model().objects.get_or_create(
        username=OWNER_USERNAME,
        defaults={"first_name": "Benchmark", "last_name": "Data", "email": "bench@example.com"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def large_product() -> Product | None:
    """The benchmark product if it was generated before (recognised by its admin, not its name)."""
    return (
        Product.objects.filter(
            memberships__user__username=OWNER_USERNAME, memberships__role=Role.ADMIN
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def seed_large(people: dict) -> tuple[Product, bool]:
    """The benchmark product and whether it was created now (False: it existed already)."""
    existing = large_product()
    if existing is not None:
        return existing, False
    by = Actor.task("seed_demo --size large", user=owner())
    product = product_create(
        by=by,
        name=NAME,
        description=f"Generated for benchmarks: {ITEM_COUNT} roadmap items and "
        f"{DEPENDENCY_COUNT:,} dependencies over {len(TEAMS)} teams and a year.",
    )
    for username, role in MEMBERS:
        membership_add(product=product, by=by, identifier=username, role=role)
    vision = services.vision_of(product)
    services.vision_update(
        vision=vision,
        by=by,
        expected_version=vision.version,
        statement="The same fleet platform, planned at the scale of a large organisation.",
    )
    rng = random.Random(ITEM_COUNT)  # noqa: S311 - reproducible test data, not security
    today = timezone.localdate()
    members = [people[username] for username, _ in MEMBERS]
    teams = Team.objects.bulk_create(
        Team(product=product, name=name, capacity_points=rng.randint(20, 40)) for name in TEAMS
    )
    objectives = Objective.objects.bulk_create(
        Objective(product=product, title=title, position=position)
        for position, title in enumerate(OBJECTIVES, start=1)
    )
    items = _items(product, teams, rng, today)
    _item_links(items, objectives, rng)
    dependencies = _dependencies(product, items, rng)
    releases = _releases(product, items, members, rng, today)
    _risks(product, items, releases, members, rng)
    _insights(product, items, rng, today)
    activity_record(
        actor=by,
        verb="generated",
        target=product,
        product=product,
        values={
            "roadmap items": len(items),
            "dependencies": dependencies,
            "releases": len(releases),
            "risks": RISK_COUNT,
            "insights": INSIGHT_COUNT,
        },
    )
    return product, True


def _items(product, teams, rng: random.Random, today: datetime.date) -> list[RoadmapItem]:
    ranks = dict.fromkeys(Lane.values, 0.0)
    items = []
    for index in range(ITEM_COUNT):
        # Index order is roughly date order: a year centred on today, jittered by ± 3 weeks.
        if rng.random() < 0.08:
            start = end = None
        else:
            offset = -180 + index * 360 // ITEM_COUNT + rng.randint(-21, 21)
            start = today + datetime.timedelta(days=offset)
            end = start + datetime.timedelta(days=rng.randint(10, 60))
        if start is None:
            status, lane = Status.PLANNED, Lane.LATER
        elif end < today:
            status, lane = Status.DONE, Lane.NOW
        elif start <= today:
            status = rng.choices(
                [Status.IN_PROGRESS, Status.AT_RISK, Status.BLOCKED], weights=[7, 2, 1]
            )[0]
            lane = Lane.NOW
        else:
            status = Status.PLANNED
            lane = Lane.NEXT if start <= today + datetime.timedelta(days=90) else Lane.LATER
        ranks[lane] += services.RANK_STEP
        items.append(
            RoadmapItem(
                product=product,
                title=f"{rng.choice(VERBS)} {rng.choice(NOUNS)} #{index + 1}",
                status=status,
                lane=lane,
                lane_rank=ranks[lane],
                start_date=start,
                end_date=end,
                confidence=95 if status == Status.DONE else rng.randint(20, 90),
                team=teams[index % len(teams)],
                theme=rng.choice(THEMES),
            )
        )
    return RoadmapItem.objects.bulk_create(items)


def _item_links(items, objectives, rng: random.Random) -> None:
    through = RoadmapItem.objectives.through
    through.objects.bulk_create(
        through(roadmapitem_id=item.pk, objective_id=objective.pk)
        for item in items
        if rng.random() < 0.6
        for objective in rng.sample(objectives, rng.randint(1, 2))
    )


def _dependencies(product, items, rng: random.Random) -> int:
    """Exactly DEPENDENCY_COUNT distinct edges, each from a lower index to a higher one."""
    edges: set[tuple[int, int]] = set()
    while len(edges) < DEPENDENCY_COUNT:
        blocker = rng.randrange(ITEM_COUNT - 1)
        blocked = min(ITEM_COUNT - 1, blocker + rng.randint(1, DEPENDENCY_REACH))
        edges.add((blocker, blocked))
    Dependency.objects.bulk_create(
        Dependency(product=product, blocker=items[blocker], blocked=items[blocked])
        for blocker, blocked in sorted(edges)
    )
    return len(edges)


def _releases(product, items, members, rng: random.Random, today) -> list[Release]:
    """Monthly releases over the year; the past ones shipped with their checklist done."""
    releases = []
    for number in range(RELEASE_COUNT):
        date = today + datetime.timedelta(days=-165 + 30 * number)
        shipped = date < today
        releases.append(
            Release(
                product=product,
                name=f"Atlas 4.{number}",
                date=date,
                status=ReleaseStatus.SHIPPED if shipped else ReleaseStatus.PLANNED,
                shipped_at=(
                    timezone.make_aware(datetime.datetime.combine(date, datetime.time(16)))
                    if shipped
                    else None
                ),
            )
        )
    releases = Release.objects.bulk_create(releases)
    through = Release.items.through
    links = []
    previous = None
    for release in releases:
        # A release carries (some of) the items that end in the month before it.
        due = [
            item
            for item in items
            if item.end_date is not None
            and item.end_date <= release.date
            and (previous is None or item.end_date > previous)
        ]
        for item in rng.sample(due, min(len(due), 25)):
            links.append(through(release_id=release.pk, roadmapitem_id=item.pk))
        previous = release.date
    through.objects.bulk_create(links)
    ChecklistEntry.objects.bulk_create(
        ChecklistEntry(
            release=release,
            kind=kind,
            owner=rng.choice(members),
            done=release.status == ReleaseStatus.SHIPPED or rng.random() < 0.4,
        )
        for release in releases
        for kind in ChecklistKind.values
    )
    return releases


def _risks(product, items, releases, members, rng: random.Random) -> None:
    risks = Risk.objects.bulk_create(
        Risk(
            product=product,
            title=f"{rng.choice(NOUNS).capitalize()} may slip (risk {number + 1})",
            likelihood=rng.randint(1, 5),
            impact=rng.randint(1, 5),
            owner=rng.choice(members),
            status=rng.choices(list(RiskStatus.values), weights=[6, 3, 1])[0],
            mitigation="Tracked in the weekly risk review.",
        )
        for number in range(RISK_COUNT)
    )
    upcoming = [release for release in releases if release.status == ReleaseStatus.PLANNED]
    item_links, release_links = Risk.items.through, Risk.releases.through
    item_links.objects.bulk_create(
        item_links(risk_id=risk.pk, roadmapitem_id=item.pk)
        for risk in risks
        for item in rng.sample(items, rng.randint(1, 3))
    )
    release_links.objects.bulk_create(
        release_links(risk_id=risk.pk, release_id=rng.choice(upcoming).pk)
        for risk in risks
        if rng.random() < 0.3
    )


def _insights(product, items, rng: random.Random, today) -> None:
    insights = Insight.objects.bulk_create(
        Insight(
            product=product,
            account=rng.choice(ACCOUNTS),
            source=rng.choice(InsightSource.values),
            importance=rng.randint(1, 3),
            quote=f"We lose hours every week on {rng.choice(NOUNS)}.",
            captured_on=today - datetime.timedelta(days=rng.randint(0, 180)),
        )
        for _ in range(INSIGHT_COUNT)
    )
    through = Insight.items.through
    through.objects.bulk_create(
        through(insight_id=insight.pk, roadmapitem_id=item.pk)
        for insight in insights
        for item in rng.sample(items, rng.randint(1, 3))
    )
