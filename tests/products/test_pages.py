import pytest
from django.urls import reverse

from products.models import Activity, Membership, Product, Role
from tests.factories import MembershipFactory, ProductFactory, UserFactory


def test_login_page_signs_in_and_lands_on_products(team, client):
    response = client.post(
        reverse("login"), {"username": "editor-user", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("products:list")
    assert b"Atlas Fleet Platform" in client.get(reverse("products:list")).content


def test_wrong_password_shows_an_error_and_stays_signed_out(team, client):
    response = client.post(reverse("login"), {"username": "editor-user", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert client.get(reverse("products:list")).status_code == 302


def test_logout_is_a_post(team, client):
    client.force_login(team.viewer)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("products:list")).status_code == 302


def test_password_change(team, client):
    client.force_login(team.viewer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery",
            "new_password1": "a much better passphrase 42",
            "new_password2": "a much better passphrase 42",
        },
    )
    assert response.status_code == 302
    team.viewer.refresh_from_db()
    assert team.viewer.check_password("a much better passphrase 42")


def test_empty_product_list_offers_the_first_action(db, client):
    client.force_login(UserFactory())
    page = client.get(reverse("products:list")).content.decode()
    assert "No products yet" in page
    assert "Create your first product" in page


def test_create_product_in_the_browser(db, client):
    user = UserFactory()
    client.force_login(user)
    empty = client.post(reverse("products:create"), {"name": " ", "description": ""})
    assert empty.status_code == 400
    assert "name" in empty.context["form"].errors
    assert not Product.objects.exists()
    response = client.post(
        reverse("products:create"), {"name": "Atlas Billing", "description": "Invoices."}
    )
    product = Product.objects.get(name="Atlas Billing")
    assert response["Location"] == product.get_absolute_url()
    assert Membership.objects.get(product=product).role == Role.ADMIN
    entry = Activity.objects.get(product=product)
    assert (entry.verb, entry.channel, entry.actor) == ("created", "web", user)


def test_viewer_pages_have_no_edit_controls(team, client):
    client.force_login(team.viewer)
    for name in ["products:detail", "products:members", "products:activity"]:
        page = client.get(reverse(name, args=[team.product.pk])).content.decode()
        assert "Edit product" not in page
        assert "Product settings" not in page
        assert "Add a member" not in page
        assert "Remove…" not in page
        assert "<select" not in page
        # the only form is the user menu's logout
        assert page.count('method="post"') == 1


def test_admin_sees_member_controls(team, client):
    client.force_login(team.admin)
    page = client.get(reverse("products:members", args=[team.product.pk])).content.decode()
    assert "Add a member" in page
    assert page.count("Remove…") == 4
    assert page.count('<select id="role-') == 4


def test_add_member_errors_are_shown_next_to_the_field(team, client):
    client.force_login(team.admin)
    url = reverse("products:members", args=[team.product.pk])
    response = client.post(url, {"user": "ghost", "role": "viewer"})
    assert response.status_code == 400
    assert "No active user" in response.context["add_form"].errors["user"][0]
    response = client.post(url, {"user": "viewer-user", "role": "viewer"})
    assert "already a member" in response.context["add_form"].errors["user"][0]


def test_add_member_by_email_in_the_browser(team, client):
    UserFactory(username="dana", email="dana@example.com")
    client.force_login(team.admin)
    url = reverse("products:members", args=[team.product.pk])
    response = client.post(url, {"user": "dana@example.com", "role": "editor"}, follow=True)
    assert Membership.objects.get(product=team.product, user__username="dana").role == "editor"
    assert "Added" in response.content.decode()


def test_htmx_role_change_returns_only_the_row(team, client):
    client.force_login(team.admin)
    viewer = team.membership("viewer")
    url = reverse("products:member-role", args=[team.product.pk, viewer.pk])
    response = client.post(url, {"role": "editor", "version": 1}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="member-{viewer.pk}"')
    assert "<html" not in html
    assert "Saved" in html
    assert Membership.objects.get(pk=viewer.pk).role == Role.EDITOR
    # The row now carries the new version, so the next change from it is not stale.
    assert 'name="version" value="2"' in html


def test_stale_htmx_role_change_says_so_and_shows_the_current_role(team, client):
    client.force_login(team.admin)
    viewer = team.membership("viewer")
    url = reverse("products:member-role", args=[team.product.pk, viewer.pk])
    client.post(url, {"role": "editor", "version": 1}, HTTP_HX_REQUEST="true")
    stale = client.post(url, {"role": "contributor", "version": 1}, HTTP_HX_REQUEST="true")
    html = stale.content.decode()
    assert "Someone else changed this role to editor" in html
    assert Membership.objects.get(pk=viewer.pk).role == Role.EDITOR


def test_last_admin_demotion_is_refused_in_the_row(team, client):
    client.force_login(team.admin)
    admin = team.membership("admin")
    url = reverse("products:member-role", args=[team.product.pk, admin.pk])
    html = client.post(url, {"role": "viewer", "version": 1}, HTTP_HX_REQUEST="true")
    assert "last admin" in html.content.decode()
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN


def test_admin_who_steps_down_gets_the_page_anew_without_admin_controls(team, client):
    MembershipFactory(product=team.product, role=Role.ADMIN)  # someone else stays admin
    client.force_login(team.admin)
    admin = team.membership("admin")
    url = reverse("products:member-role", args=[team.product.pk, admin.pk])
    response = client.post(url, {"role": "editor", "version": 1}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("products:members", args=[team.product.pk])
    page = client.get(response["HX-Redirect"]).content.decode()
    assert "You are now editor" in page
    assert "Add a member" not in page


def settings_post(*, name, description, base):
    """The settings form as a page rendered at ``base`` (a product state) submits it."""
    return {
        "name": name,
        "description": description,
        "version": base["version"],
        "original_name": base["name"],
        "original_description": base["description"],
    }


def test_stale_save_of_another_field_is_merged(team, client):
    client.force_login(team.editor)
    url = reverse("products:settings", args=[team.product.pk])
    base = {"version": 1, "name": "Atlas Fleet Platform", "description": team.product.description}
    client.post(url, settings_post(name="Renamed", description=base["description"], base=base))
    response = client.post(url, settings_post(name=base["name"], description="Mine", base=base))
    assert response.status_code == 302
    product = Product.objects.get(pk=team.product.pk)
    assert (product.name, product.description, product.version) == ("Renamed", "Mine", 3)


def test_stale_save_of_the_same_field_shows_both_versions_and_overwrites_nothing(team, client):
    client.force_login(team.editor)
    url = reverse("products:settings", args=[team.product.pk])
    base = {"version": 1, "name": "Atlas Fleet Platform", "description": team.product.description}
    client.post(
        url,
        settings_post(name="Renamed by Maya", description=base["description"], base=base),
    )
    response = client.post(
        url,
        settings_post(name="Renamed by me", description=base["description"], base=base),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this while you were editing" in page
    assert "Renamed by Maya" in page and "Renamed by me" in page
    product = Product.objects.get(pk=team.product.pk)
    assert (product.name, product.version) == ("Renamed by Maya", 2)
    # Re-rendered against the saved version: saving again keeps "mine" knowingly.
    form = response.context["form"]
    assert form["version"].value() == 2
    assert form["original_name"].value() == "Renamed by Maya"
    client.post(url, {name: form[name].value() for name in form.fields})
    assert Product.objects.get(pk=team.product.pk).name == "Renamed by me"


def test_stale_save_without_the_original_values_is_never_merged(team, client):
    client.force_login(team.editor)
    url = reverse("products:settings", args=[team.product.pk])
    client.post(url, {"name": "Renamed", "description": "", "version": 1})
    response = client.post(
        url, {"name": "Atlas Fleet Platform", "description": "Mine", "version": 1}
    )
    assert response.status_code == 409
    assert Product.objects.get(pk=team.product.pk).name == "Renamed"


def test_settings_save_without_a_version_is_refused(team, client):
    client.force_login(team.editor)
    url = reverse("products:settings", args=[team.product.pk])
    response = client.post(url, {"name": "Blind", "description": ""})
    assert response.status_code == 400
    assert "version" in response.context["form"].errors
    assert Product.objects.get(pk=team.product.pk).name == "Atlas Fleet Platform"


def test_delete_product_with_stale_version_deletes_nothing(team, client):
    client.force_login(team.admin)
    response = client.post(reverse("products:delete", args=[team.product.pk]), {"version": 9})
    assert response.status_code == 302
    assert Product.objects.filter(pk=team.product.pk).exists()
    client.post(reverse("products:delete", args=[team.product.pk]), {"version": 1})
    assert not Product.objects.filter(pk=team.product.pk).exists()


def test_remove_member_in_the_browser_is_logged(team, client):
    client.force_login(team.admin)
    viewer = team.membership("viewer")
    client.post(
        reverse("products:member-remove", args=[team.product.pk, viewer.pk]), {"version": 1}
    )
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    entry = Activity.objects.get(verb="removed")
    assert (entry.channel, entry.changes) == ("web", {"role": {"from": "viewer", "to": None}})


def test_activity_page_lists_web_and_api_changes_newest_first(team, client):
    from tests.conftest import client_for

    client.force_login(team.editor)
    client.post(
        reverse("products:settings", args=[team.product.pk]),
        {"name": "From the browser", "description": "", "version": 1},
    )
    client_for(team.editor, token_scope="write").patch(
        f"/api/v1/products/{team.product.pk}/", {"name": "From the API"}, HTTP_IF_MATCH='"2"'
    )
    page = client.get(reverse("products:activity", args=[team.product.pk]))
    entries = list(page.context["page"])
    assert [(e.channel, e.changes["name"]["to"]) for e in entries] == [
        ("api", "From the API"),
        ("web", "From the browser"),
    ]
    html = page.content.decode()
    assert html.index("From the API") < html.index("From the browser")


def test_activity_entries_cannot_be_edited(team):
    from products.activity import Actor, activity_record

    entry = activity_record(
        actor=Actor.task("test"), verb="created", target=team.product, product=team.product
    )
    entry.verb = "forged"
    with pytest.raises(ValueError, match="never edited"):
        entry.save()


@pytest.mark.parametrize(
    ("name", "expected_queries"),
    [
        # session, user, membership+product, nav products, members with users, recent activity
        ("products:detail", 6),
        # session, user, membership+product, nav products, members with users
        ("products:members", 5),
        # session, user, membership+product, nav products, count, page of activity
        ("products:activity", 6),
    ],
)
def test_product_pages_use_a_constant_number_of_queries(
    team, client, django_assert_num_queries, name, expected_queries
):
    for _ in range(12):
        MembershipFactory(product=team.product)
    client.force_login(team.admin)
    for index in range(3):
        client.post(
            reverse("products:settings", args=[team.product.pk]),
            {"name": f"Name {index}", "description": "", "version": index + 1},
        )
    with django_assert_num_queries(expected_queries):
        response = client.get(reverse(name, args=[team.product.pk]))
    assert response.status_code == 200


def test_product_list_page_uses_a_constant_number_of_queries(
    team, client, django_assert_num_queries
):
    for index in range(8):
        MembershipFactory(product=ProductFactory(name=f"P{index}"), user=team.viewer)
    client.force_login(team.viewer)
    # session, user, products with role, the sidebar's product switcher
    with django_assert_num_queries(4):
        response = client.get(reverse("products:list"))
    assert response.content.decode().count('class="card product-card"') == 9


def test_non_member_gets_404_on_every_product_page_even_with_an_unknown_id(team, client):
    client.force_login(team.outsider)
    assert client.get(reverse("products:detail", args=[999999])).status_code == 404
    assert client.get(reverse("products:detail", args=[team.product.pk])).status_code == 404


def test_an_expired_form_explains_itself(team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    response = client.post(reverse("products:create"), {"name": "No token"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert not Product.objects.filter(name="No token").exists()


def test_activity_shows_where_a_long_text_changed(team, client):
    long_text = "Route planning and live tracking for mid-size freight carriers in Europe."
    client.force_login(team.editor)
    url = reverse("products:settings", args=[team.product.pk])
    client.post(url, {"name": "Atlas Fleet Platform", "description": long_text, "version": 1})
    client.post(
        url, {"name": "Atlas Fleet Platform", "description": long_text + " Q1: ETAs.", "version": 2}
    )
    page = client.get(reverse("products:activity", args=[team.product.pk])).content.decode()
    assert "Q1: ETAs." in page


def test_htmx_role_change_announces_the_outcome(team, client):
    import json

    client.force_login(team.admin)
    viewer = team.membership("viewer")
    url = reverse("products:member-role", args=[team.product.pk, viewer.pk])
    response = client.post(url, {"role": "editor", "version": 1}, HTTP_HX_REQUEST="true")
    event = json.loads(response["HX-Trigger"])["lodestar:toast"]
    assert event["level"] == "success"
    assert event["text"].endswith("is now editor.")
