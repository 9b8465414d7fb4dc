import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from products.activity import Actor
from products.models import Activity, ApiToken, TokenScope
from products.services import api_tokens_revoke_expired
from tests.factories import ApiTokenFactory


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_token_created_on_the_page_is_shown_once_and_stored_hashed(team, client):
    client.force_login(team.editor)
    response = client.post(
        reverse("products:tokens"),
        {"name": "CI release sync", "scope": "write", "product": "", "expires_in": "90"},
    )
    # Redirected, so reloading the page that shows the secret cannot create a second token.
    assert response.status_code == 302
    response = client.get(response["Location"])
    secret = response.context["created_secret"]
    assert secret.startswith("lsr_")
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=team.editor)
    assert token.key_hash == ApiToken.hash_secret(secret)
    assert secret not in {token.key_hash, token.display_prefix, token.name}
    assert 89 <= (token.expires_at - timezone.now()).days <= 90
    # Never shown again.
    assert secret not in client.get(reverse("products:tokens")).content.decode()
    # And it works.
    assert bearer(secret).get("/api/v1/me/").json()["username"] == team.editor.username


def test_token_form_errors_are_shown_next_to_fields(team, client):
    client.force_login(team.editor)
    response = client.post(
        reverse("products:tokens"), {"name": "  ", "scope": "root", "expires_in": "7"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "scope", "expires_in"}
    assert not ApiToken.objects.exists()


def test_token_cannot_be_limited_to_a_product_of_someone_else(team, client):
    client.force_login(team.outsider)
    response = client.post(
        reverse("products:tokens"),
        {"name": "x", "scope": "read", "product": team.product.pk, "expires_in": "30"},
    )
    assert response.status_code == 400
    assert "product" in response.context["form"].errors


def test_revoked_token_is_refused_at_once(team, client):
    token = ApiTokenFactory(user=team.editor)
    api = bearer(token.secret)
    assert api.get("/api/v1/me/").status_code == 200
    client.force_login(team.editor)
    response = client.post(reverse("products:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    refused = api.get("/api/v1/me/")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]


def test_someone_elses_token_cannot_be_revoked(team, client):
    token = ApiTokenFactory(user=team.editor)
    client.force_login(team.viewer)
    assert client.post(reverse("products:token-revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_expired_token_is_refused(team):
    token = ApiTokenFactory(
        user=team.editor, expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = bearer(token.secret).get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_token_of_a_deactivated_user_is_refused(team):
    token = ApiTokenFactory(user=team.editor)
    team.editor.is_active = False
    team.editor.save()
    assert bearer(token.secret).get("/api/v1/me/").status_code == 401


def test_last_used_time_is_recorded_without_a_write_per_request(team, django_assert_num_queries):
    token = ApiTokenFactory(user=team.editor)
    api = bearer(token.secret)
    api.get("/api/v1/me/")
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None
    # token lookup and the memberships: no UPDATE for a use within the resolution window
    with django_assert_num_queries(2):
        api.get("/api/v1/me/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use


def test_tokens_page_shows_last_used_and_scope(team, client):
    token = ApiTokenFactory(user=team.editor, name="Analytics export", scope=TokenScope.READ)
    bearer(token.secret).get("/api/v1/me/")
    client.force_login(team.editor)
    page = client.get(reverse("products:tokens")).content.decode()
    assert "Analytics export" in page
    assert "Read only" in page
    last_used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert f'<time datetime="{last_used.isoformat()}"' in page


def test_issue_token_prints_a_working_token(team):
    out = StringIO()
    call_command(
        "issue_token", team.editor.username, "--name", "deploy", "--scope", "write", stdout=out
    )
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=ApiToken.hash_secret(secret))
    assert (token.name, token.scope, token.product) == ("deploy", "write", None)
    api = bearer(secret)
    product_url = f"/api/v1/products/{team.product.pk}/"
    assert api.patch(product_url, {"name": "Via CLI"}, HTTP_IF_MATCH='"1"').status_code == 200


def test_issue_token_limited_to_a_product_and_read_only_by_default(team):
    out = StringIO()
    call_command(
        "issue_token", team.editor.username, "--name", "r", "--product", team.product.pk, stdout=out
    )
    token = ApiToken.objects.get(key_hash=ApiToken.hash_secret(out.getvalue().strip()))
    assert (token.scope, token.product_id) == ("read", team.product.pk)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ghost", "--name", "x"], "No active user"),
        (["editor-user", "--name", "x", "--product", "999999"], "No product"),
        (["outsider", "--name", "x", "--product", "PRODUCT"], "product you belong to"),
    ],
)
def test_issue_token_bad_input_fails_clearly(team, args, message):
    args = [str(team.product.pk) if arg == "PRODUCT" else arg for arg in args]
    with pytest.raises(CommandError, match=message):
        call_command("issue_token", *args, stdout=StringIO())


def test_expiry_task_revokes_expired_tokens_once_and_logs_it(team):
    expired = ApiTokenFactory(
        user=team.editor,
        product=team.product,
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    valid = ApiTokenFactory(
        user=team.editor, expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    by = Actor.task("api_tokens_revoke_expired")
    assert api_tokens_revoke_expired(by=by) == 1
    assert api_tokens_revoke_expired(by=by) == 0
    expired.refresh_from_db()
    valid.refresh_from_db()
    assert expired.revoked_at is not None
    assert valid.revoked_at is None
    entry = Activity.objects.get(verb="expired")
    assert (entry.channel, entry.product_id, entry.actor) == ("task", team.product.pk, None)
