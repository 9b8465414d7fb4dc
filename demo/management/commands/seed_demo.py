import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import large, prds
from demo.roadmap import align_row_times, has_roadmap, seed_roadmap
from products.activity import Actor
from products.models import Activity, Membership, Product, Role
from products.services import membership_add, product_create, product_update

DEMO_PASSWORD = "lodestar-demo"  # noqa: S105 - a published demo login, never a real secret

# username, first, last, e-mail, what they do
PEOPLE = [
    ("priya", "Priya", "Raman", "priya.raman@northwind.example", "Head of Product (admin)"),
    ("maya", "Maya", "Chen", "maya.chen@northwind.example", "Technical PM (editor)"),
    (
        "diego",
        "Diego",
        "Alvarez",
        "diego.alvarez@northwind.example",
        "Staff engineer (contributor)",
    ),
    ("helen", "Helen", "Okafor", "helen.okafor@northwind.example", "VP Operations (viewer)"),
]

FLEET = {
    "name": "Atlas Fleet Platform",
    "description": (
        "Route planning, live vehicle tracking and proof of delivery for mid-size freight "
        "carriers (50–500 trucks). Dispatchers plan the day; drivers follow it in the app."
    ),
    # Diego joins as a viewer; the history below promotes him to contributor (to review PRDs).
    "members": [("maya", Role.EDITOR), ("diego", Role.VIEWER), ("helen", Role.VIEWER)],
}
DRIVER_APP = {
    "name": "Atlas Driver App",
    "description": "The drivers' mobile companion: today's stops, navigation hand-off, "
    "signature and photo capture, offline-first.",
    "members": [("diego", Role.CONTRIBUTOR)],
}


class Command(BaseCommand):
    help = (
        "Create the demo users and products, with the roadmap and PRDs of Atlas Fleet Platform "
        "(safe to run again: nothing is duplicated). --size large also creates the benchmark "
        "product: 500 roadmap items, 1,000 dependencies and a PRD of 20,000 words with 100 "
        "criteria and 200 revisions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DJANGO_DEBUG off (the demo users share a published password).",
        )
        parser.add_argument(
            "--size",
            choices=["demo", "large"],
            default="demo",
            help="large: the demo plus a benchmark product with 500 items and a 20,000-word PRD "
            "(for make bench).",
        )

    def handle(self, *args, force: bool = False, size: str = "demo", **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo users with a published password on a production "
                "instance (DJANGO_DEBUG is off). Use --force if this is a demo server."
            )
        with transaction.atomic():
            people = self._people()
            fleet = self._product(FLEET, owner=people["priya"], people=people)
            self._product(DRIVER_APP, owner=people["maya"], people=people)
            if fleet is not None:
                self._fleet_history(fleet, people)
            else:
                self._complete_earlier_seed(people)
        if size == "large":
            started = time.perf_counter()
            product, created = large.seed_large(people)
            seconds = time.perf_counter() - started
            what = f"created in {seconds:.1f} s" if created else "already there"
            self.stdout.write(
                f"Benchmark product “{product.name}” (id {product.pk}): {what}, "
                f"{product.roadmap_items.count()} items, {product.dependencies.count()} "
                "dependencies."
            )
            started = time.perf_counter()
            prd, created = prds.seed_large_prd(product, people)
            seconds = time.perf_counter() - started
            what = f"created in {seconds:.1f} s" if created else "already there"
            self.stdout.write(
                f"Benchmark PRD “{prd.title}” (id {prd.pk}): {what}, "
                f"{len(prd.body.split()):,} words, {prd.criteria.count()} criteria, "
                f"{prd.revisions.count()} revisions, {prd.comments.count()} comments."
            )
        self._print_logins()

    def _people(self) -> dict:
        User = get_user_model()
        people = {}
        for username, first, last, email, _ in PEOPLE:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": email}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            people[username] = user
        return people

    def _product(self, spec: dict, *, owner, people) -> Product | None:
        """Create the product with its members; None if it was seeded before.

        A demo product is recognised by its owner being an admin somewhere, not by its name,
        so renaming it (as the README's API example does) doesn't make a second one appear.
        """
        if Membership.objects.filter(user=owner, role=Role.ADMIN).exists():
            return None
        by = Actor.task("seed_demo", user=owner)
        product = product_create(by=by, name=spec["name"], description=spec["description"])
        for username, role in spec["members"]:
            membership_add(product=product, by=by, identifier=username, role=role)
        return product

    def _fleet_history(self, fleet: Product, people) -> None:
        """The product's story from its creation ten weeks ago: members join, the roadmap is
        planned and moves, PRDs are written, reviewed and approved between its chapters, and a
        few recent edits, so the activity log reads as a real history from the first visit."""
        history = prds.Interleaved(fleet, since_start=True)
        history.mark(70, 68)
        story = prds.FleetPrds(fleet, people, history)
        story.interleave()
        seed_roadmap(fleet, people, history)
        story.play_remaining()
        maya = Actor.task("seed_demo", user=people["maya"])
        product_update(
            product=fleet,
            by=maya,
            expected_version=fleet.version,
            description=FLEET["description"] + " Q1 focus: ETA accuracy and EU tachograph rules.",
        )
        history.mark(2)
        story.finale()
        # Activity rows are otherwise never edited: this is the seeder writing the past.
        history.write()
        align_row_times(fleet)
        story.align_times()
        # The product's own timestamps agree with its history.
        entries = Activity.objects.filter(product=fleet, target_type__model="product")
        Product.objects.filter(pk=fleet.pk).update(
            created_at=entries.filter(verb="created").get().created_at,
            updated_at=entries.filter(verb="updated").latest("created_at").created_at,
        )

    def _complete_earlier_seed(self, people) -> None:
        """A database seeded before the demo had a roadmap or PRDs gets them now (once)."""
        fleet = (
            Product.objects.filter(memberships__user=people["priya"], memberships__role=Role.ADMIN)
            .order_by("pk")
            .first()
        )
        if fleet is None:
            return
        needs_roadmap = not has_roadmap(fleet)
        needs_prds = not prds.has_prds(fleet) and prds.can_seed(fleet, people)
        if not (needs_roadmap or needs_prds):
            return
        history = prds.Interleaved(fleet)
        story = prds.FleetPrds(fleet, people, history) if needs_prds else None
        if story is not None:
            story.interleave()
        if needs_roadmap:
            seed_roadmap(fleet, people, history)
        if story is not None:
            story.play_remaining()
            story.finale()
        history.write()
        align_row_times(fleet)
        if story is not None:
            story.align_times()

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/"))
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}")
        for username, first, last, _, role in PEOPLE:
            self.stdout.write(f"  {username:<8} {first} {last}, {role}")
