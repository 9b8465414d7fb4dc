"""The foundation flows as a person does them in a browser: sign in, create a product, manage
its members, respect roles, survive concurrent edits, and use an API token.
"""

import re

import pytest
from playwright.sync_api import expect

from products.models import ApiToken, Membership, Product, Role
from tests.e2e.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def toast(page, text: str):
    return page.locator("#toasts .toast", has_text=text)


def member_row(page, username: str):
    return page.locator("tbody tr", has_text=f"@{username}")


def test_tpm_creates_product_and_adds_member(page, live_server, browser_errors):
    tpm = UserFactory(username="tess", first_name="Tess", last_name="Ortega")
    UserFactory(username="dana", email="dana@example.com", first_name="Dana", last_name="Wu")

    login(page, live_server, tpm)
    expect(page.get_by_role("heading", name="No products yet")).to_be_visible()
    page.get_by_role("link", name="Create your first product").click()
    expect(page).to_have_url(re.compile(r"/products/new/$"))
    expect(page.get_by_role("heading", name="New product", level=1)).to_be_visible()

    # An empty form is refused (400) with the error next to the Name field, and creates nothing.
    browser_errors.expect_http_status(400)
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("alert")).to_have_text("Please correct the highlighted field.")
    name = page.get_by_label("Name")
    expect(page.locator(".field", has=name)).to_have_class(re.compile(r"\bfield-invalid\b"))
    expect(page.locator("#id_name_error")).to_have_text("This field is required.")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("This field is required."))
    assert not Product.objects.exists()

    name.fill("Atlas Routing")
    page.get_by_label("Description").fill("Route planning for regional carriers.")
    page.get_by_role("button", name="Create product").click()

    product = Product.objects.get(name="Atlas Routing")
    expect(page).to_have_url(re.compile(rf"/products/{product.pk}/$"))
    expect(page.get_by_role("heading", name="Atlas Routing", level=1)).to_be_visible()
    expect(page.locator(".lede")).to_have_text("Route planning for regional carriers.")
    expect(page.locator(".header-meta .badge-role")).to_have_text("Admin")
    expect(toast(page, "Created Atlas Routing. You are its admin.")).to_be_visible()

    sidebar = page.get_by_role("navigation", name="Atlas Routing")
    sidebar.get_by_role("link", name="Members").click()
    expect(page).to_have_url(re.compile(rf"/products/{product.pk}/members/$"))
    expect(sidebar.get_by_role("link", name="Members")).to_have_attribute("aria-current", "page")

    # Add an existing user by e-mail as a viewer.
    add_form = page.locator("form", has=page.get_by_role("heading", name="Add a member"))
    add_form.get_by_label("Username or e-mail").fill("dana@example.com")
    add_form.get_by_label("Role").select_option(label="Viewer")
    add_form.get_by_role("button", name="Add member").click()
    expect(toast(page, "Added Dana Wu as viewer.")).to_be_visible()
    dana = member_row(page, "dana")
    expect(dana).to_contain_text("Dana Wu")
    expect(dana).to_contain_text("dana@example.com")
    expect(dana.get_by_label("Role of dana")).to_have_value("viewer")
    expect(page.locator("tbody tr")).to_have_count(2)
    assert Membership.objects.get(product=product, user__username="dana").role == Role.VIEWER

    # Someone who has no account: the error sits next to the field, nobody is added.
    browser_errors.expect_http_status(400)
    add_form.get_by_label("Username or e-mail").fill("nobody")
    add_form.get_by_role("button", name="Add member").click()
    user_field = add_form.get_by_label("Username or e-mail")
    expect(page.locator("#id_user_error")).to_have_text(
        "No active user has the username or e-mail “nobody”."
    )
    expect(user_field).to_have_attribute("aria-invalid", "true")
    expect(user_field).to_have_value("nobody")
    expect(page.locator("tbody tr")).to_have_count(2)
    assert Membership.objects.filter(product=product).count() == 2


def test_admin_changes_role_inline_with_htmx(page, live_server, team):
    contributor = team.membership("contributor")
    login(page, live_server, team.admin)
    page.goto(f"/products/{team.product.pk}/members/")

    row = page.locator(f"#member-{contributor.pk}")
    select = row.get_by_label("Role of contributor-user")
    version = row.locator(".role-form input[name=version]")
    expect(select).to_have_value("contributor")
    expect(version).to_have_value(str(contributor.version))
    save = row.get_by_role("button", name="Save role")

    # A full page load would wipe this marker.
    page.evaluate("window.__lodestarNoReload = 'still here'")
    # htmx wires up swapped-in content once it settles (20 ms later); a user is never faster
    # than that, but Playwright is, so the test waits for each settle before the next change.
    page.evaluate(
        "window.__settled = 0;"
        "document.addEventListener('htmx:afterSettle', () => { window.__settled += 1; })"
    )
    with page.expect_response(re.compile(r"/role/$")) as response_info:
        select.select_option("editor")
        save.click()
    assert response_info.value.status == 200
    assert response_info.value.request.headers.get("hx-request") == "true"
    expect(row.locator(".saved-note")).to_have_text("Saved")
    # The outcome is announced in the page's live toast region too.
    expect(page.locator("#toasts")).to_contain_text("is now editor.")
    expect(select).to_have_value("editor")
    expect(version).to_have_value(str(contributor.version + 1))  # the row was swapped in
    assert page.evaluate("window.__lodestarNoReload") == "still here"
    assert team.membership("contributor").role == Role.EDITOR

    # The swapped-in row carries the new version, so a second change saves too.
    page.wait_for_function("window.__settled >= 1")
    with page.expect_response(re.compile(r"/role/$")) as response_info:
        select.select_option("viewer")
        save.click()
    assert response_info.value.status == 200
    expect(version).to_have_value(str(contributor.version + 2))
    expect(row.locator(".saved-note")).to_have_text("Saved")
    expect(row.locator(".field-error")).to_have_count(0)
    assert team.membership("contributor").role == Role.VIEWER
    assert page.evaluate("window.__lodestarNoReload") == "still here"

    page.reload()
    assert page.evaluate("window.__lodestarNoReload") is None
    expect(page.get_by_label("Role of contributor-user")).to_have_value("viewer")
    expect(page.locator(f"#member-{contributor.pk} .saved-note")).to_have_count(0)


def test_remove_member_asks_for_confirmation(page, live_server, team):
    viewer = team.viewer
    name = viewer.get_full_name()
    login(page, live_server, team.admin)
    page.goto(f"/products/{team.product.pk}/members/")
    row = member_row(page, "viewer-user")
    dialog = page.get_by_role("dialog", name=f"Remove {name}?")
    expect(dialog).to_be_hidden()

    # Cancel closes the dialog and changes nothing.
    row.get_by_role("button", name="Remove…").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"They lose access to everything in {team.product.name}")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(row).to_be_visible()
    assert Membership.objects.filter(product=team.product, user=viewer).exists()

    # Confirming removes them.
    row.get_by_role("button", name="Remove…").click()
    dialog.get_by_role("button", name="Remove member").click()
    expect(toast(page, f"Removed {name} from {team.product.name}.")).to_be_visible()
    expect(member_row(page, "viewer-user")).to_have_count(0)
    expect(page.locator("tbody tr")).to_have_count(3)
    assert not Membership.objects.filter(product=team.product, user=viewer).exists()


def _assert_read_only(page) -> None:
    expect(page.get_by_role("link", name="Edit product")).to_have_count(0)
    expect(page.get_by_role("link", name="Product settings")).to_have_count(0)
    expect(page.get_by_role("heading", name="Add a member")).to_have_count(0)
    expect(page.get_by_role("combobox")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove…")).to_have_count(0)
    # The one form that posts anything is the user menu's "Log out".
    post_forms = page.locator("form[method=post]")
    expect(post_forms).to_have_count(1)
    expect(page.locator(".user-menu form[method=post]")).to_have_count(1)
    expect(post_forms.locator("button")).to_have_text("Log out")


def test_viewer_sees_no_edit_controls(page, live_server, team, browser_errors):
    product = team.product
    login(page, live_server, team.viewer)

    page.goto(f"/products/{product.pk}/")
    expect(page.get_by_role("heading", name=product.name, level=1)).to_be_visible()
    expect(page.locator(".header-meta .badge-role")).to_have_text("Viewer")
    _assert_read_only(page)

    page.get_by_role("link", name="All members →").click()
    expect(page).to_have_url(re.compile(rf"/products/{product.pk}/members/$"))
    expect(page.locator("tbody tr")).to_have_count(4)
    expect(member_row(page, "editor-user").locator(".badge-role")).to_have_text("Editor")
    _assert_read_only(page)

    page.get_by_role("navigation", name=product.name).get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    _assert_read_only(page)

    browser_errors.expect_http_status(403)
    response = page.goto(f"/products/{product.pk}/settings/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("This needs the editor role; you are viewer.")
    expect(page.get_by_label("Name")).to_have_count(0)


def test_stale_saves_merge_or_show_the_conflict_never_overwrite(
    page, context, live_server, team, browser_errors
):
    product = team.product
    original_name = product.name
    settings_url = f"/products/{product.pk}/settings/"
    login(page, live_server, team.editor)

    tab_a = page
    tab_b = context.new_page()
    tab_a.goto(settings_url)
    tab_b.goto(settings_url)
    expect(tab_b.get_by_label("Name")).to_have_value(original_name)

    tab_a.get_by_label("Name").fill("Atlas Fleet Platform 2")
    tab_a.get_by_role("button", name="Save").click()
    expect(toast(tab_a, "Saved.")).to_be_visible()

    # Tab B, still on the old version, changed another field: both changes are kept.
    tab_b.get_by_label("Description").fill("Live ETAs for every truck.")
    tab_b.get_by_role("button", name="Save").click()
    expect(
        toast(tab_b, "Saved, together with a colleague's change made meanwhile.")
    ).to_be_visible()
    expect(tab_b.get_by_label("Name")).to_have_value("Atlas Fleet Platform 2")
    product.refresh_from_db()
    assert (product.name, product.description) == (
        "Atlas Fleet Platform 2",
        "Live ETAs for every truck.",
    )

    # Now both tabs change the name from the same version: tab B sees the conflict (409).
    tab_a.reload()
    tab_b.reload()
    tab_a.get_by_label("Name").fill("Atlas Routing")
    tab_a.get_by_role("button", name="Save").click()
    expect(toast(tab_a, "Saved.")).to_be_visible()
    browser_errors.expect_http_status(409)
    tab_b.get_by_label("Name").fill("Atlas Telematics")
    tab_b.get_by_role("button", name="Save").click()
    conflict = tab_b.locator("section.conflict")
    expect(conflict).to_be_visible()
    expect(conflict.get_by_role("heading")).to_have_text(
        "Someone else saved this while you were editing"
    )
    expect(conflict.get_by_role("columnheader")).to_have_text(
        ["Field", "Yours (not saved)", "Theirs (saved now)"]
    )
    name_row = conflict.get_by_role("row", name=re.compile(r"^Name"))
    expect(name_row.get_by_role("cell")).to_have_text(["Atlas Telematics", "Atlas Routing"])
    expect(conflict.get_by_role("link", name="Keep theirs")).to_have_attribute("href", settings_url)
    assert Product.objects.get(pk=product.pk).name == "Atlas Routing"

    # Saving again is a deliberate "keep mine", made against the version saved now.
    expect(tab_b.get_by_label("Name")).to_have_value("Atlas Telematics")
    tab_b.get_by_role("button", name="Save").click()
    expect(toast(tab_b, "Saved.")).to_be_visible()
    expect(tab_b.locator("section.conflict")).to_have_count(0)
    assert Product.objects.get(pk=product.pk).name == "Atlas Telematics"


def test_api_token_is_shown_once_and_works(page, live_server, team):
    user = team.editor
    api_me = f"{live_server.url}/api/v1/me/"
    login(page, live_server, user)
    page.goto("/settings/tokens/")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    page.get_by_label("Name").fill("CI release sync")
    page.get_by_label("Scope").select_option(label="Read and write")
    # The create POST redirects; the page that shows the secret must not be cached.
    with page.expect_response(
        lambda response: (
            response.url.endswith("/settings/tokens/") and response.request.method == "GET"
        )
    ) as response_info:
        page.get_by_role("button", name="Create token").click()
    assert response_info.value.headers["cache-control"] == "no-store"
    expect(
        page.get_by_role("heading", name="Copy your new token “CI release sync” now")
    ).to_be_visible()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("lsr_")
    token = ApiToken.objects.get(user=user, name="CI release sync")
    assert token.key_hash == ApiToken.hash_secret(secret)

    response = page.request.get(api_me, headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 200
    me = response.json()
    assert me["username"] == user.username
    assert me["token"]["name"] == "CI release sync"
    assert me["token"]["scope"] == "write"

    # Shown once: reloading the page lists the token but not its secret, and creates no other.
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    assert secret not in page.content()
    assert ApiToken.objects.filter(user=user).count() == 1
    row = page.locator("tbody tr", has_text="CI release sync")
    expect(row).to_contain_text(f"{token.display_prefix}…")
    expect(row).to_contain_text("Read and write")
    last_used = row.locator("td").nth(3).locator("time")  # last used: just now
    expect(last_used).to_have_text(re.compile(r"^(now|\d+ seconds? ago)$"))

    row.get_by_role("button", name="Revoke…").click()
    dialog = page.get_by_role("dialog", name="Revoke “CI release sync”?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Revoke token").click()
    expect(toast(page, "Revoked “CI release sync”. Clients using it now get 401.")).to_be_visible()
    expect(row.locator(".badge-revoked")).to_have_text("Revoked")
    expect(row.get_by_role("button", name="Revoke…")).to_have_count(0)

    response = page.request.get(api_me, headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 401
