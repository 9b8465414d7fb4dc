"""The roadmap as a TPM and an executive use it in a browser: drag a bar on the timeline, drag a
card across the board, collide with a colleague's save, and look without being able to touch."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from products.models import Role
from roadmaps.models import Lane, RoadmapItem
from tests.e2e.conftest import TIMEOUT_MS, login
from tests.factories import (
    DependencyFactory,
    MembershipFactory,
    ProductFactory,
    RoadmapItemFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date.today()


@pytest.fixture
def plan():
    product = ProductFactory(name="Atlas Routing")
    tpm = UserFactory(username="tess", first_name="Tess", last_name="Ortega")
    exec_ = UserFactory(username="vera", first_name="Vera", last_name="Lind")
    MembershipFactory(product=product, user=tpm, role=Role.EDITOR)
    MembershipFactory(product=product, user=exec_, role=Role.VIEWER)
    platform = TeamFactory(product=product, name="Platform")
    engine = RoadmapItemFactory(
        product=product,
        title="Routing engine",
        team=platform,
        lane=Lane.NOW,
        start_date=TODAY,
        end_date=TODAY + datetime.timedelta(days=29),
    )
    app = RoadmapItemFactory(
        product=product,
        title="Driver app",
        team=platform,
        lane=Lane.NEXT,
        start_date=TODAY + datetime.timedelta(days=40),
        end_date=TODAY + datetime.timedelta(days=70),
    )
    DependencyFactory(blocker=engine, blocked=app)
    return {"product": product, "tpm": tpm, "exec": exec_, "engine": engine, "app": app}


def toast(page, text):
    return page.locator("#toasts .toast", has_text=text)


def main_text(page, text):
    return page.locator(".tl-label, .board-card-title, .list-link", has_text=text).first


def drag_by(page, locator, dx):
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y)
    page.mouse.up()


def test_tpm_drags_a_bar_and_its_edge_and_the_dates_persist(page, live_server, plan):
    engine = plan["engine"]
    login(page, live_server, plan["tpm"])
    page.goto(f"/products/{plan['product'].pk}/roadmap/")
    bar = page.locator(f'.tl-bar[data-id="{engine.pk}"]')
    day_width = float(page.locator(".tl").get_attribute("data-day-width"))

    # Move the whole bar ten days later.
    drag_by(page, bar.locator(".tl-bar-body"), 10 * day_width)
    expect(toast(page, "Saved: Routing engine")).to_be_visible()
    expect(bar).to_have_attribute("data-version", "2")
    engine.refresh_from_db()
    assert engine.start_date == TODAY + datetime.timedelta(days=10)
    assert engine.end_date == TODAY + datetime.timedelta(days=39)

    # Stretch its end five days further.
    drag_by(page, bar.locator('.tl-handle[data-edge="end"]'), 5 * day_width)
    expect(bar).to_have_attribute("data-version", "3")
    engine.refresh_from_db()
    assert engine.start_date == TODAY + datetime.timedelta(days=10)
    assert engine.end_date == TODAY + datetime.timedelta(days=44)

    page.reload()
    bar = page.locator(f'.tl-bar[data-id="{engine.pk}"]')
    expect(bar).to_have_attribute("data-start", engine.start_date.isoformat())
    expect(bar).to_have_attribute("data-end", engine.end_date.isoformat())
    # It now ends after the driver app starts: the flag is drawn.
    expect(page.locator(f'.tl-bar[data-id="{plan["app"].pk}"] .tl-flag')).to_have_count(1)


def test_a_stale_drag_snaps_back_and_says_so(page, live_server, plan, browser_errors):
    browser_errors.expect_http_status(409)
    engine = plan["engine"]
    login(page, live_server, plan["tpm"])
    page.goto(f"/products/{plan['product'].pk}/roadmap/")
    moved = TODAY + datetime.timedelta(days=3)
    RoadmapItem.objects.filter(pk=engine.pk).update(
        start_date=moved, end_date=moved + datetime.timedelta(days=29), version=2
    )
    day_width = float(page.locator(".tl").get_attribute("data-day-width"))
    bar = page.locator(f'.tl-bar[data-id="{engine.pk}"]')
    drag_by(page, bar.locator(".tl-bar-body"), 20 * day_width)
    expect(page.locator("#roadmap-message")).to_contain_text("your drag was not saved")
    expect(bar).to_have_attribute("data-start", moved.isoformat())
    expect(bar).to_have_attribute("data-version", "2")
    engine.refresh_from_db()
    assert engine.start_date == moved


def test_tpm_drags_a_card_from_next_to_now_and_it_stays(page, live_server, plan):
    app = plan["app"]
    login(page, live_server, plan["tpm"])
    page.goto(f"/products/{plan['product'].pk}/roadmap/board/")
    card = page.locator(f'.board-card[data-id="{app.pk}"]')
    target = page.locator(f'.board-card[data-id="{plan["engine"].pk}"]')
    expect(page.locator('.board-cards[data-lane="next"] .board-card')).to_have_count(1)
    box, goal = card.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 12)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(
            box["x"] + 40 + (goal["x"] - box["x"]) * step / 20,
            box["y"] + 12 + (goal["y"] + goal["height"] - 4 - box["y"] - 12) * step / 20,
        )
    page.mouse.up()
    expect(toast(page, "Moved “Driver app” to Now.")).to_be_visible()
    app.refresh_from_db()
    assert app.lane == Lane.NOW
    page.reload()
    now_lane = page.locator('.board-cards[data-lane="now"]')
    expect(now_lane.locator(".board-card")).to_have_count(2)
    expect(now_lane.locator(f'.board-card[data-id="{app.pk}"]')).to_be_visible()


def test_keyboard_moves_a_card_with_its_buttons(page, live_server, plan):
    login(page, live_server, plan["tpm"])
    page.goto(f"/products/{plan['product'].pk}/roadmap/board/")
    engine = plan["engine"]
    page.locator(f'.board-card[data-id="{engine.pk}"] .board-card-title').focus()
    page.keyboard.press("Tab")  # into the card's move buttons
    expect(page.locator(f"#move-next-{engine.pk}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(toast(page, "Moved “Routing engine” to Next.")).to_be_visible()
    expect(
        page.locator(f'.board-cards[data-lane="next"] .board-card[data-id="{engine.pk}"]')
    ).to_be_visible()
    engine.refresh_from_db()
    assert engine.lane == Lane.NEXT


def test_second_save_of_the_same_item_shows_the_conflict(
    page, browser, live_server, plan, browser_errors
):
    item_url = f"/products/{plan['product'].pk}/roadmap/items/{plan['engine'].pk}/"
    colleague = UserFactory(username="cole")
    MembershipFactory(product=plan["product"], user=colleague, role=Role.EDITOR)
    other_context = browser.new_context(base_url=live_server.url)
    other_context.set_default_timeout(TIMEOUT_MS)
    other_context.on("page", browser_errors.watch)
    other = other_context.new_page()
    try:
        login(page, live_server, plan["tpm"])
        login(other, live_server, colleague)
        page.goto(item_url)
        other.goto(item_url)

        other.get_by_label("Title").fill("Routing engine v2")
        other.get_by_role("button", name="Save").click()
        expect(toast(other, "Saved.")).to_be_visible()

        browser_errors.expect_http_status(409)
        page.get_by_label("Title").fill("Routing engine (EU)")
        page.get_by_role("button", name="Save").click()
        panel = page.get_by_role("alert").filter(has_text="Someone else saved this")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Routing engine (EU)")
        expect(panel).to_contain_text("Routing engine v2")
        expect(panel).to_contain_text("both changed")
        plan["engine"].refresh_from_db()
        assert plan["engine"].title == "Routing engine v2"

        # Saving again from the conflict form is a deliberate choice: it wins.
        page.get_by_role("button", name="Save").click()
        expect(toast(page, "Saved.")).to_be_visible()
        plan["engine"].refresh_from_db()
        assert plan["engine"].title == "Routing engine (EU)"
    finally:
        other_context.close()


def test_viewer_sees_the_roadmap_without_edit_controls(page, live_server, plan):
    login(page, live_server, plan["exec"])
    product = plan["product"]
    for path in ["roadmap/", "roadmap/board/", "roadmap/list/"]:
        page.goto(f"/products/{product.pk}/{path}")
        expect(page.locator(".readonly-marker")).to_contain_text("Read-only")
        expect(page.locator(".readonly-marker")).to_contain_text("Last change")
        expect(main_text(page, "Routing engine")).to_be_visible()
        main = page.locator("#main")
        expect(main.locator("form[method=post]")).to_have_count(0)
        expect(main.get_by_role("link", name="New item")).to_have_count(0)
        expect(main.locator(".tl-handle, .board-move, [draggable=true]")).to_have_count(0)
    page.goto(f"/products/{product.pk}/roadmap/items/{plan['engine'].pk}/")
    expect(page.get_by_role("heading", name="Routing engine", level=1)).to_be_visible()
    expect(page.locator("#main form")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Delete|Remove|Save"))).to_have_count(0)

    # A viewer's drag does nothing: the bar is not draggable for them.
    page.goto(f"/products/{product.pk}/roadmap/")
    bar = page.locator(f'.tl-bar[data-id="{plan["engine"].pk}"] .tl-bar-body')
    drag_by(page, bar, 60)
    plan["engine"].refresh_from_db()
    assert plan["engine"].version == 1
