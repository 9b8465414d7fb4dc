import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from products.activity import Actor
from products.models import Activity, Membership, Product, Role
from products.services import (
    membership_add,
    membership_change_role,
    product_create,
    product_update,
)

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
    # Diego joins as a viewer; the history below promotes him to contributor.
    "members": [("maya", Role.EDITOR), ("diego", Role.VIEWER), ("helen", Role.VIEWER)],
}
DRIVER_APP = {
    "name": "Atlas Driver App",
    "description": "The drivers' mobile companion: today's stops, navigation hand-off, "
    "signature and photo capture, offline-first.",
    "members": [("diego", Role.CONTRIBUTOR)],
}


class Command(BaseCommand):
    help = "Create the demo users and products (safe to run again: nothing is duplicated)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DJANGO_DEBUG off (the demo users share a published password).",
        )

    def handle(self, *args, force: bool = False, **options):
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
        """A few believable edits, so the activity log tells a story from the first visit."""
        maya = Actor.task("seed_demo", user=people["maya"])
        product_update(
            product=fleet,
            by=maya,
            expected_version=fleet.version,
            description=FLEET["description"] + " Q1 focus: ETA accuracy and EU tachograph rules.",
        )
        diego = Membership.objects.select_related("product").get(
            product=fleet, user=people["diego"]
        )
        membership_change_role(
            membership=diego,
            by=Actor.task("seed_demo", user=people["priya"]),
            expected_version=diego.version,
            role=Role.CONTRIBUTOR,
        )
        # Spread the story over the last three weeks; activity rows are otherwise never edited.
        now = timezone.now()
        entries = list(Activity.objects.filter(product=fleet).order_by("id"))
        for age, entry in zip(range(len(entries), 0, -1), entries, strict=True):
            entry.created_at = now - datetime.timedelta(days=age * 3, hours=age * 2)
            Activity.objects.filter(pk=entry.pk).update(created_at=entry.created_at)
        # The product's own timestamps agree with its history.
        Product.objects.filter(pk=fleet.pk).update(
            created_at=entries[0].created_at,
            updated_at=next(e for e in reversed(entries) if e.verb == "updated").created_at,
        )

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/"))
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}")
        for username, first, last, _, role in PEOPLE:
            self.stdout.write(f"  {username:<8} {first} {last}, {role}")
