"""API contracts: OpenAPI 3 documents, checked on save, listed as endpoints, and compared.

Validation is openapi-spec-validator's; the endpoint list and the breaking-change diff are ours.
"""

from dataclasses import dataclass

from .models import CONTRACT_MAX_BYTES  # noqa: F401 - the size limit parse() enforces


class ContractError(ValueError):
    """Why a document is refused, with the line it points at when known (1-based)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"Line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ParsedContract:
    format: str  # "yaml" or "json"
    data: dict


def parse(document: str) -> ParsedContract:
    """The document as data, or ContractError: too large, not YAML/JSON (with the line), not
    a mapping, OpenAPI 2 (Swagger), or invalid OpenAPI 3 (the validator's message, with the
    line of the part it names)."""
    raise NotImplementedError


def endpoints(document: dict) -> list[dict]:
    """Every operation, in document order, as the reading page lists it."""
    raise NotImplementedError


def breaking_changes(old: dict, new: dict) -> list[dict]:
    """What a client written against ``old`` would break on in ``new``."""
    raise NotImplementedError
