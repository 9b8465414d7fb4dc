import datetime
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from products.models import Activity, Membership, Product, Role
from roadmaps.models import (
    ChecklistEntry,
    Dependency,
    Insight,
    KeyResult,
    Objective,
    Release,
    Risk,
    RoadmapItem,
    RoadmapSnapshot,
    Team,
    Vision,
)


def seed() -> str:
    out = StringIO()
    # Tests run with DEBUG off, as production does; --force is what a demo server would use.
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_personas_and_says_how_to_sign_in(db):
    output = seed()
    assert "lodestar-demo" in output
    fleet = Product.objects.get(name="Atlas Fleet Platform")
    roles = dict(Membership.objects.filter(product=fleet).values_list("user__username", "role"))
    assert roles == {
        "priya": Role.ADMIN,
        "maya": Role.EDITOR,
        "diego": Role.CONTRIBUTOR,
        "helen": Role.VIEWER,
    }
    for username in roles:
        assert username in output
        assert get_user_model().objects.get(username=username).check_password("lodestar-demo")
    # The history reads as a story over past weeks, ending with the latest change (yesterday's
    # PRD work; Diego became a contributor weeks before, to review PRDs).
    history = list(Activity.objects.for_product(fleet))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert timezone.localdate(history[0].created_at) == yesterday
    assert [entry.verb for entry in history].count("changed role of") == 1
    assert history[-1].verb == "created"
    assert fleet.updated_at <= history[0].created_at


def row_counts() -> dict[str, int]:
    models = [get_user_model(), Product, Membership, Activity]
    models += [Team, Objective, KeyResult, RoadmapItem, Dependency, Release, ChecklistEntry]
    models += [Risk, Insight, RoadmapSnapshot, Vision]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_twice_duplicates_nothing(db):
    seed()
    counts = row_counts()
    seed()
    assert row_counts() == counts


def test_seed_demo_after_a_rename_creates_no_second_product(db):
    seed()
    Product.objects.filter(name="Atlas Fleet Platform").update(name="Atlas Fleet")
    seed()
    assert not Product.objects.filter(name="Atlas Fleet Platform").exists()
    assert Product.objects.count() == 2


def test_seed_demo_refuses_production_without_force(db, settings):
    import pytest
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert not Product.objects.exists()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Product.objects.count() == 2
