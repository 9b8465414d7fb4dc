"""What every API endpoint shares: the error shape, pagination, and optimistic concurrency.

Errors always look like::

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"name": ["..."]}}}

and a 412 adds ``"current"``: the resource as it is now, so the client can merge and retry.
"""

import contextlib
import functools

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .concurrency import InvalidVersion, VersionConflict, parse_version


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = (
        "Send the version you are changing: an If-Match header with the ETag you received, "
        "or a `version` field."
    )


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = "Someone else changed this since you read it; `current` is what it is now."

    def __init__(self, current: dict | None):
        super().__init__()
        self.current = current


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(item) for item in value] if isinstance(value, list) else _field_errors(value)
            for key, value in detail.items()
        }
    return {}


def _error_body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    error = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc, context):
    """DRF's handler, reshaped into the one error shape (and Django's errors mapped to 4xx)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(detail) if isinstance(detail, dict) else {}
        if isinstance(detail, list):
            fields = {"non_field_errors": [str(item) for item in detail]}
        message = "Some fields are not valid."
        if list(fields) == ["non_field_errors"]:
            message = fields["non_field_errors"][0]
        body = _error_body(response.status_code, "invalid", message, fields)
    else:
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = _error_body(response.status_code, str(code), str(detail))
    if isinstance(exc, PreconditionFailed):
        body["current"] = exc.current
    response.data = body
    return response


def json_error_response(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(_error_body(status_code, code, message), status=status_code)


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination: stable under inserts, constant cost at any depth. Lists come in
    creation order unless a view sets another ``ordering``."""

    page_size = 50
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "id"

    def decode_cursor(self, request):
        invalid = exceptions.ValidationError({"cursor": ["This cursor is not valid."]})
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise invalid from None
        # DRF decodes any base64 it is given; every list here is ordered by id, so a position
        # that is not a whole number was not made by us.
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except ValueError:
                raise invalid from None
        return cursor


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag you read (e.g. `"3"`). Required unless the body has `version`.',
)
ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; errors by field."),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
    403: OpenApiResponse(ErrorSerializer, description="Role or token scope too low."),
    404: OpenApiResponse(ErrorSerializer, description="No such object, or not a member."),
}


@functools.cache
def _conflict_serializer(serializer_class):
    """One 412 body component per resource (cached: the schema must not see two classes)."""
    name = f"{serializer_class.__name__.removesuffix('Serializer')}Conflict"
    return type(
        name,
        (serializers.Serializer,),
        {"error": ErrorDetailSerializer(), "current": serializer_class()},
    )


def versioned_write_responses(serializer_class) -> dict:
    """OpenAPI responses of a PUT/PATCH: the object, or a 412 carrying its current state."""
    return {
        200: serializer_class,
        **ERROR_RESPONSES,
        412: OpenApiResponse(
            _conflict_serializer(serializer_class), description="Stale version; `current` is now."
        ),
        428: OpenApiResponse(ErrorSerializer, description="No If-Match header or version."),
    }


def versioned_delete_responses(serializer_class) -> dict:
    responses = versioned_write_responses(serializer_class)
    del responses[200]
    return {204: None, **responses}


class VersionedObjectMixin:
    """For API views of one versioned object: ETags out, If-Match (or ``version``) in.

    Write inside ``with self.versioned_write(request, instance) as expected:``, which checks
    the version sent and turns a VersionConflict the service raises into ``conflict()``;
    ``object_response()`` adds the ETag. A GET whose If-None-Match matches the current version
    gets 304 before any serializing.
    """

    @contextlib.contextmanager
    def versioned_write(self, request, instance):
        """The version the client read, for the service; a 412 (or 404) if someone else wrote
        first, whether before this request (checked here) or during it (the service's
        conditional UPDATE)."""
        expected = self.expected_version(request, instance)
        try:
            yield expected
        except VersionConflict as error:
            raise self.conflict(error) from None

    def expected_version(self, request, instance) -> int:
        raw = request.headers.get("If-Match")
        if raw is None and isinstance(request.data, dict):
            raw = request.data.get("version")
        if raw is None or raw == "":
            raise PreconditionRequired()
        try:
            expected = parse_version(raw)
        except InvalidVersion as error:
            raise exceptions.ValidationError({"version": [str(error)]}) from None
        if expected != instance.version:
            raise self.conflict(VersionConflict(instance))
        return expected

    def conflict(self, error: VersionConflict) -> exceptions.APIException:
        if error.current is None:
            return exceptions.NotFound("This object was deleted.")
        return PreconditionFailed(self.representation(error.current))

    def representation(self, instance) -> dict:
        """The object as its responses (and a 412's ``current``) show it; views that shape
        rows without a serializer override this one method."""
        return self.get_serializer(instance).data

    def etag(self, instance) -> str:
        """The row's version; views whose body depends on more (the caller's role) extend it,
        so that a cached copy is not revalidated after that changed."""
        return instance.etag

    def object_response(self, instance, status_code: int = status.HTTP_200_OK) -> Response:
        response = Response(self.representation(instance), status=status_code)
        response["ETag"] = self.etag(instance)
        return response

    def not_modified(self, request, instance) -> Response | None:
        etag = self.etag(instance)
        candidates = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
        if any(tag.removeprefix("W/") == etag for tag in candidates):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag
            return response
        return None
