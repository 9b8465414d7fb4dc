"""A share link as people use it: an admin makes one in the browser, someone without an account
opens it and sees the roadmap with nothing to edit, and after the admin revokes it the same
address answers "not found"."""

import re

import pytest
from playwright.sync_api import expect

from products.models import Role
from roadmaps.models import Lane, ShareLink
from tests.e2e.conftest import TIMEOUT_MS, login
from tests.factories import (
    MembershipFactory,
    ProductFactory,
    RoadmapItemFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_shares_the_board_and_revokes_it(page, context, browser, live_server, browser_errors):
    product = ProductFactory(name="Atlas Routing")
    admin = UserFactory(username="tess", first_name="Tess", last_name="Ortega")
    MembershipFactory(product=product, user=admin, role=Role.ADMIN)
    routing = TeamFactory(product=product, name="Routing")
    RoadmapItemFactory(product=product, title="Live ETA", team=routing, lane=Lane.NOW)
    RoadmapItemFactory(product=product, title="Route replay", team=routing, lane=Lane.LATER)
    context.grant_permissions(["clipboard-read", "clipboard-write"])

    login(page, live_server, admin)
    page.goto(f"{live_server.url}/products/{product.pk}/")
    page.get_by_role("navigation", name="Atlas Routing").get_by_role(
        "link", name="Share links"
    ).click()
    expect(page.get_by_role("heading", name="Share links", level=1)).to_be_visible()
    expect(page.get_by_text("No share links yet.")).to_be_visible()

    form = page.locator("form", has=page.get_by_role("heading", name="Create a share link"))
    form.get_by_label("Name").fill("Board, Q3 review")
    form.get_by_label("View").select_option(label="Now / Next / Later")
    form.get_by_label("Team").select_option(label="Routing")
    form.get_by_role("button", name="Create share link").click()

    # The address is shown once, with a copy button.
    secret = page.get_by_label("New share link")
    expect(secret).to_have_value(re.compile(rf"^{re.escape(live_server.url)}/share/lss_"))
    shared_url = secret.input_value()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    row = page.locator("tbody tr", has_text="Board, Q3 review")
    expect(row).to_contain_text("Now / Next / Later")
    expect(row).to_contain_text("Team Routing")
    expect(row).to_contain_text("Active")
    page.reload()
    expect(page.get_by_label("New share link")).to_have_count(0)
    assert ShareLink.objects.count() == 1

    # Someone without an account opens it in a browser of their own.
    stranger = browser.new_context(viewport={"width": 1280, "height": 800})
    stranger.set_default_timeout(TIMEOUT_MS)
    stranger.on("page", browser_errors.watch)
    try:
        public = stranger.new_page()
        response = public.goto(shared_url)
        assert response.status == 200
        expect(public.get_by_role("heading", name="Atlas Routing", level=1)).to_be_visible()
        expect(public.get_by_text("Read-only", exact=True)).to_be_visible()
        expect(public.get_by_text("Live ETA").first).to_be_visible()
        expect(public.get_by_text("Route replay").first).to_be_visible()
        expect(public.locator("form")).to_have_count(0)
        expect(public.locator("[draggable='true']")).to_have_count(0)
        expect(public.locator("[hx-post], [hx-put], [hx-patch], [hx-delete]")).to_have_count(0)
        expect(public.locator("a[href*='/products/']")).to_have_count(0)
        expect(public.get_by_role("link", name="Sign in")).to_have_count(0)

        # The admin revokes it; the same address now answers "not found".
        page.locator("tbody tr", has_text="Board, Q3 review").get_by_role(
            "button", name="Revoke…"
        ).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("This cannot be undone")
        dialog.get_by_role("button", name="Revoke link").click()
        expect(
            page.locator("#toasts .toast", has_text="Revoked “Board, Q3 review”")
        ).to_be_visible()
        expect(page.locator("tbody tr", has_text="Board, Q3 review")).to_contain_text("Revoked")

        browser_errors.expect_http_status(404)
        response = public.goto(shared_url)
        assert response.status == 404
        expect(
            public.get_by_role("heading", name="This link does not open anything")
        ).to_be_visible()
        expect(public.get_by_text("Live ETA")).to_have_count(0)
    finally:
        stranger.close()
