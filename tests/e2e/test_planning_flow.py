"""The planning pages as a TPM and an admin use them in a browser: the vision edited inline,
a release's checklist ticked and the release shipped, and the readiness gate overridden."""

import re

import pytest
from playwright.sync_api import expect

from products.models import Activity, Role
from roadmaps.models import ChecklistEntry, Release, ReleaseStatus, Vision
from tests.e2e.conftest import login
from tests.factories import MembershipFactory, ProductFactory, ReleaseFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def product():
    return ProductFactory(name="Atlas Routing")


def member(product, username: str, role: Role):
    user = UserFactory(username=username)
    MembershipFactory(product=product, user=user, role=role)
    return user


def test_tpm_edits_the_vision_statement_inline(page, live_server, product):
    tpm = member(product, "tess", Role.EDITOR)
    login(page, live_server, tpm)
    page.goto(f"{live_server.url}/products/{product.pk}/vision/")

    page.get_by_role("button", name="Edit vision statement").click()
    statement = page.get_by_role("textbox", name="Vision statement")
    expect(statement).to_be_focused()
    statement.fill("Every carrier plans tomorrow in minutes.")
    # Esc cancels: nothing is saved and the Edit button has the focus back.
    statement.press("Escape")
    edit = page.get_by_role("button", name="Edit vision statement")
    expect(edit).to_be_focused()
    assert Vision.objects.get(product=product).statement == ""

    edit.click()
    statement = page.get_by_role("textbox", name="Vision statement")
    statement.fill("Every carrier plans tomorrow in minutes.")
    statement.press("Enter")  # Enter saves
    section = page.locator("#vision-statement")
    expect(section).to_contain_text("Every carrier plans tomorrow in minutes.")
    expect(section.get_by_text("Saved", exact=True)).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("Saved vision statement.")
    expect(page.get_by_role("button", name="Edit vision statement")).to_be_focused()

    page.reload()
    expect(page.locator("#vision-statement")).to_contain_text(
        "Every carrier plans tomorrow in minutes."
    )


def test_tpm_ticks_the_checklist_and_ships_the_release(page, live_server, product):
    tpm = member(product, "tess", Role.EDITOR)
    release = ReleaseFactory(product=product, name="Spring release")
    login(page, live_server, tpm)
    page.goto(f"{live_server.url}/products/{product.pk}/releases/")
    expect(page.locator("tbody tr", has_text="Spring release")).to_contain_text(
        "0 of 4 checklist done"
    )
    page.get_by_role("link", name="Spring release").click()
    readiness = page.locator("#release-readiness")
    expect(readiness).to_contain_text("4 problems")

    for entry in ChecklistEntry.objects.filter(release=release).order_by("id"):
        row = page.locator(f"#checklist-{entry.pk}")
        row.locator(f"#checklist-done-{entry.pk}").check()
        expect(row).to_have_class(re.compile(r"\bis-done\b"))
        expect(row.locator(f"#checklist-done-{entry.pk}")).to_be_focused()
    row = page.locator(f"#checklist-{release.checklist.get(kind='docs').pk}")
    row.get_by_label("Owner of documentation").select_option(label=tpm.get_full_name())
    expect(row.get_by_text("Saved")).to_be_visible()
    # The readiness panel followed each tick without a reload.
    expect(readiness).to_contain_text("Ready to ship")

    page.get_by_role("button", name="Ship release").click()
    expect(page.locator("#toasts")).to_contain_text("Shipped Spring release.")
    expect(page.locator("#release-readiness")).to_contain_text("Shipped on")
    assert Release.objects.get(pk=release.pk).status == ReleaseStatus.SHIPPED


def test_admin_overrides_the_gate_with_a_reason(page, live_server, product, browser_errors):
    admin = member(product, "ada", Role.ADMIN)
    release = ReleaseFactory(product=product, name="Contract release")
    login(page, live_server, admin)
    page.goto(f"{live_server.url}/products/{product.pk}/releases/{release.pk}/")

    # Without a reason the gate still says no, next to the reason field.
    browser_errors.expect_http_status(400)
    page.get_by_role("button", name="Ship anyway").click()
    expect(page.locator(".ship-form .field-error")).to_contain_text("say why it ships anyway")
    assert Release.objects.get(pk=release.pk).status == ReleaseStatus.PLANNED

    page.get_by_label("Reason to ship anyway").fill("The customer's contract date; docs follow.")
    page.get_by_role("button", name="Ship anyway").click()
    readiness = page.locator("#release-readiness")
    expect(readiness).to_contain_text("Shipped with an override")
    expect(readiness).to_contain_text("The customer's contract date; docs follow.")
    activity = page.get_by_role("region", name="Activity")
    expect(activity).to_contain_text("shipped with override")
    entry = Activity.objects.get(verb="shipped with override")
    assert entry.changes["override_reason"]["to"] == "The customer's contract date; docs follow."
