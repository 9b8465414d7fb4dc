from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken

User = get_user_model()
# The user's columns loaded with the token: all but timestamps (a raw row's timestamps miss the
# ORM's conversion on SQLite); those stay deferred and load if something reads them.
_USER_FIELDS = [
    field for field in User._meta.concrete_fields if not isinstance(field, models.DateTimeField)
]
_TOKEN_BY_HASH = (
    "SELECT token.*, "  # noqa: S608 - names from the models
    + ", ".join(f'person."{field.column}" AS "user__{field.attname}"' for field in _USER_FIELDS)
    + f' FROM "{ApiToken._meta.db_table}" token JOIN "{User._meta.db_table}" person'
    + f' ON person."{User._meta.pk.column}" = token."{ApiToken._meta.get_field("user").column}"'
    + " WHERE token.key_hash = %s"
)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``; sets ``request.auth`` to the ApiToken."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, secret = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        secret = secret.strip()
        if not secret or " " in secret:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        token = self._token_of(secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if token.is_expired:
            raise exceptions.AuthenticationFailed("This token has expired.")
        self._touch(token)
        return token.user, token

    @staticmethod
    def _token_of(secret: str) -> ApiToken | None:
        """The token whose hash matches, with its user; None if there is none.

        One plain query: this runs before every API request, and the ORM took longer to
        build the join than the database took to answer it.
        """
        found = list(ApiToken.objects.raw(_TOKEN_BY_HASH, [ApiToken.hash_secret(secret)]))
        if not found:
            return None
        token = found[0]
        names = [field.attname for field in _USER_FIELDS]
        values = [getattr(token, f"user__{name}") for name in names]
        token.user = User.from_db(token._state.db, names, values)
        return token

    def _touch(self, token: ApiToken) -> None:
        now = timezone.now()
        resolution = settings.API_TOKEN_LAST_USED_RESOLUTION
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= resolution:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer tokens in the OpenAPI schema (and the docs' Authorize button)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from the API tokens page, e.g. `lsr_…`.",
        }
