"""API contracts: OpenAPI 3 documents, checked on save, listed as endpoints, and compared.

Validation is openapi-spec-validator's; the endpoint list and the breaking-change diff are ours.

The text comes from users, so reading it is bounded before anything expensive runs: the size
limit first, then one pass over libyaml's event stream that refuses deep nesting (libyaml's
composer recurses in C and crashes the process on a few hundred thousand levels, and its scanner
slows quadratically with flow nesting) and aliases that expand the document far beyond what is
written (a "billion laughs"). Only then is the document built and validated.
"""

import contextvars
import functools
import json
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import yaml
from jsonschema.exceptions import ValidationError as SchemaValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v30, schema_v31

from .models import CONTRACT_MAX_BYTES

logger = logging.getLogger(__name__)

# Deeper than any real contract (a schema nested ten objects deep is about 30 levels), shallow
# enough that every recursive step after reading (ours and the validator's) stays far from
# Python's recursion limit.
MAX_DEPTH = 64
# What aliases (*name, and merge keys) may add to a YAML document, counted as values plus the
# characters of repeated text: generous for shared parameter blocks, far below a "billion laughs".
ALIAS_EXPANSION_LIMIT = 500_000
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FIELD_DEPTH = 6  # how deep the endpoint list opens nested objects
FIELDS_PER_BODY = 300  # a very wide (or widely repeated) schema is cut here on the reading page
DIFF_DEPTH = 12  # how deep the breaking-change diff follows nested objects
DIFF_BUDGET = 20_000  # schema pairs compared per diff, so a repetitive document stays quick
# Schemas resolved per endpoints()/breaking_changes() call, shared by every helper: parse()
# refuses documents whose references fan out, and this keeps a stored one quick regardless.
RESOLVE_BUDGET = 200_000
BREAKING_KINDS = (
    "removed_path",
    "removed_operation",
    "removed_response",
    "removed_response_field",
    "newly_required_parameter",
    "newly_required_request_field",
    "changed_type",
)


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


class _Refused(Exception):
    """A refusal found while walking the data: the path lets parse() find its line."""

    def __init__(self, message: str, path: list):
        super().__init__(message)
        self.message = message
        self.path = list(path)


# --- Reading the text ---------------------------------------------------------------------------


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):
    """Safe YAML whose result is JSON: mapping keys are their text as written (``200:`` is the
    key "200", as OpenAPI means it), dates stay text, and a duplicated key is an error rather
    than a silently lost endpoint."""

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, found {node.id}", node.start_mark
            )
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "a key must be plain text, not a list or a mapping",
                    key_node.start_mark,
                )
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key “{key_node.value}” appears twice",
                    key_node.start_mark,
                )
            seen.add(key_node.value)
        self.flatten_mapping(node)
        return {
            key_node.value: self.construct_object(value_node, deep=deep)
            for key_node, value_node in node.value
        }


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


def _check_yaml_shape(document: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and aliases that blow the document up, reading
    only libyaml's event stream (no tree is built, nothing recurses)."""
    depth = 0
    # One frame per open collection: [weight so far, anchor]; weight = values + characters.
    stack: list[list] = [[0, None]]
    weights: dict[str, int] = {}
    added = 0
    for event in yaml.parse(document, Loader=_Loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            weight = 1 + len(event.value)
            if event.anchor:
                weights[event.anchor] = weight
            stack[-1][0] += weight
        elif kind is yaml.AliasEvent:
            weight = weights.get(event.anchor)
            if weight is None:
                if any(frame[1] == event.anchor for frame in stack):
                    raise ContractError(
                        f"The alias *{event.anchor} is inside the value it refers to, which "
                        "would repeat forever.",
                        event.start_mark.line + 1,
                    )
                continue  # an unknown alias: the composer reports it with its line
            added += weight
            if added > ALIAS_EXPANSION_LIMIT:
                raise ContractError(
                    "The YAML aliases (*name) repeat so much that the document would grow far "
                    "beyond what is written. Write shared parts once under components and "
                    "point at them with $ref.",
                    event.start_mark.line + 1,
                )
            stack[-1][0] += weight
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            depth += 1
            if depth > MAX_DEPTH:
                raise ContractError(
                    f"The document is nested more than {MAX_DEPTH} levels deep.",
                    event.start_mark.line + 1,
                )
            stack.append([1, event.anchor])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            depth -= 1
            weight, anchor = stack.pop()
            if anchor:
                weights[anchor] = weight
            stack[-1][0] += weight


def _yaml_problem(error: yaml.YAMLError) -> ContractError:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "not valid YAML"
        return ContractError(f"Not valid YAML: {problem}.", mark.line + 1 if mark else None)
    return ContractError(f"Not valid YAML: {error}.")


def _read_yaml(document: str) -> Any:
    try:
        _check_yaml_shape(document)
        loader = _Loader(document)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise _yaml_problem(error) from None
    except ContractError:
        raise
    except ValueError as error:  # e.g. an integer too long for Python to read
        raise ContractError(f"Not valid YAML: {error}.") from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _read_json(document: str) -> Any:
    try:
        data = json.loads(document, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ContractError(f"Not valid JSON: {error.msg}.", error.lineno) from None
    except RecursionError:
        raise ContractError(f"The document is nested more than {MAX_DEPTH} levels deep.") from None
    except ValueError as error:  # NaN/Infinity, or an integer too long to read
        raise ContractError(f"Not valid JSON: {error}.") from None
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ContractError(f"The document is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return data


def _plain(value: Any, path: list, depth: int = 0) -> Any:
    """The data as JSON that PostgreSQL stores as it is (no NUL, no NaN)."""
    if depth > MAX_DEPTH:  # both readers refuse this already; kept so the walk is bounded
        raise _Refused(f"The document is nested more than {MAX_DEPTH} levels deep.", [])
    if isinstance(value, str):
        if "\x00" in value:
            raise _Refused("The text contains a NUL character (\\u0000).", path)
        return value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused("Numbers must be finite (no .inf or .nan).", path)
        return value
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            path.append(key)
            result[str(key)] = _plain(item, path, depth + 1)
            path.pop()
        return result
    if isinstance(value, list | tuple):
        result = []
        for index, item in enumerate(value):
            path.append(index)
            result.append(_plain(item, path, depth + 1))
            path.pop()
        return result
    raise _Refused(
        f"A {type(value).__name__} value (a YAML tag such as !!binary or !!set) has no JSON "
        "form; write it as text or a list.",
        path,
    )


# --- Lines --------------------------------------------------------------------------------------


def _line_of(document: str, path: list) -> int | None:
    """The line of the deepest part of ``path`` found in the text (its key's line, for a mapping
    entry), or None. JSON is read as YAML here: close enough for marks."""
    if not path:
        return None
    try:
        node = yaml.compose(document, Loader=_Loader)
    except yaml.YAMLError:
        return None
    line = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _where(path: list) -> str:
    return " › ".join(str(part) for part in path)


# --- References ---------------------------------------------------------------------------------


def _pointer_parts(ref: str) -> list[str] | None:
    """The keys of a local reference "#/a/b", or None if it is not one."""
    if not ref.startswith("#"):
        return None
    fragment = unquote(ref[1:])
    if not fragment:
        return []
    if not fragment.startswith("/"):
        return None
    return [raw.replace("~1", "/").replace("~0", "~") for raw in fragment[1:].split("/")]


def _pointer(root: Any, ref: str) -> tuple[bool, Any]:
    """(found, value) of a local reference "#/a/b" in ``root``."""
    parts = _pointer_parts(ref)
    if parts is None:
        return False, None
    target = root
    for part in parts:
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return False, None
    return True, target


REF_CHAIN_LIMIT = MAX_DEPTH  # references to references before a definition: real ones use 1–3
# How big a schema may become with its $refs followed (each schema object reached through
# allOf/oneOf/anyOf/not/items/properties/… counts once per place it is reached). The validator
# and the endpoint list expand some of these without memory, so a few lines whose references
# fan out (allOf of five refs to a schema that is allOf of five refs …) would take minutes.
# A large real contract (300 schemas, 2,000 properties) stays far below both.
SCHEMA_PARTS_LIMIT = 10_000  # one schema, references followed
DOCUMENT_PARTS_LIMIT = 250_000  # the whole document, references followed
EXPANDED_DEPTH_LIMIT = 200  # schemas inside schemas, references followed
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SCHEMA_VALUES = (
    "not",
    "items",
    "additionalProperties",
    "additionalItems",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")


def _ref_targets(data: dict) -> dict[str, Any]:
    """Every local $ref in the document resolved once to its definition (the end of its chain),
    refusing references that point outside, at nothing, round in a circle, or through too many
    references. Each reference is followed once (memoised, three-colour DFS), so this is linear
    in the document however the references chain."""
    pointed: dict[str, tuple[bool, Any]] = {}
    final: dict[str, Any] = {}  # black: the definition this reference ends at
    hops: dict[str, int] = {}

    def lookup(ref: str) -> tuple[bool, Any]:
        if ref not in pointed:
            pointed[ref] = _pointer(data, ref)
        return pointed[ref]

    def settle(ref: str) -> None:
        grey: list[str] = []  # the chain being followed
        on_chain: dict[str, int] = {}
        current = ref
        while current not in final:
            if current in on_chain:
                # Point at the definition that closes the circle, not at this use.
                circle = [*grey[on_chain[current] :], current]
                raise _Refused(
                    f"The reference “{circle[0]}” points at itself."
                    if len(circle) == 2
                    else "These references go round in a circle and never reach a "
                    f"definition: {' → '.join(circle)}.",
                    [*(_pointer_parts(grey[-1]) or []), "$ref"],
                )
            found, target = lookup(current)
            on_chain[current] = len(grey)
            grey.append(current)
            following = target.get("$ref") if isinstance(target, dict) else None
            if not found or not isinstance(following, str) or not following.startswith("#"):
                final[current], hops[current] = target, 0
                grey.pop()
                break
            current = following
        # Unwind: each reference on the chain ends where the next one does.
        for item in reversed(grey):
            following = lookup(item)[1]["$ref"]
            final[item], hops[item] = final[following], hops[following] + 1
            if hops[item] > REF_CHAIN_LIMIT:
                raise _Refused(
                    f"The reference “{item}” goes through more than {REF_CHAIN_LIMIT} "
                    "references before it reaches a definition; point at the definition.",
                    [*(_pointer_parts(item) or []), "$ref"],
                )

    stack: list[tuple[Any, list]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#"):
                    raise _Refused(
                        f"The reference “{ref}” points outside this document; only references "
                        "within it (starting with #/) are supported.",
                        [*path, "$ref"],
                    )
                if not lookup(ref)[0]:
                    raise _Refused(
                        f"The reference “{ref}” points at nothing in this document.",
                        [*path, "$ref"],
                    )
                settle(ref)
            stack.extend((item, [*path, key]) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, [*path, i]) for i, item in reversed(list(enumerate(value))))
    return final


def _check_references(data: dict) -> None:
    """Every $ref must point inside the document, at something that exists and is not only a
    reference back to itself: the validator would otherwise fetch other files or URLs from
    our server (a request forgery), fail without a message, or loop. Then the schemas with
    their references followed must stay a reasonable size (see SCHEMA_PARTS_LIMIT)."""
    _check_expansion(data, _ref_targets(data))


def _subschemas(schema: dict) -> Iterator[tuple[Any, bool]]:
    """(part, whether a reference there is expanded). A named field's reference
    (properties, $defs …) counts as one part: the validator checks each schema once and the
    endpoint list opens fields to a fixed depth, while real contracts point at their models
    from many fields. Through allOf/oneOf/anyOf/not/items/… the validator expands every
    reference at every use, so those count in full."""
    for keyword in _SCHEMA_LISTS:
        parts = schema.get(keyword)
        if isinstance(parts, list):
            yield from ((part, True) for part in parts)
    for keyword in _SCHEMA_VALUES:
        part = schema.get(keyword)
        if isinstance(part, dict | list):  # items may be a list in old drafts
            yield from ((p, True) for p in (part if isinstance(part, list) else (part,)))
    for keyword in _SCHEMA_MAPS:
        parts = schema.get(keyword)
        if isinstance(parts, dict):
            yield from ((part, False) for part in parts.values())


def _check_expansion(data: dict, targets: dict[str, Any]) -> None:
    """How many parts each schema has once its references are followed, memoised per
    reference (so linear in the document); refused before the validator (or the endpoint
    list) expands them. A reference back into its own chain (a recursive schema) counts once."""
    sizes: dict[str, int] = {}
    depths: dict[str, int] = {}
    open_refs: set[str] = set()  # grey

    def too_big(ref: str) -> _Refused:
        return _Refused(
            f"The schemas' references expand to more than {SCHEMA_PARTS_LIMIT:,} parts "
            f"(through `{ref}`); flatten them, or point at shared parts fewer times.",
            _pointer_parts(ref) or [],
        )

    def measure(schema: Any, depth: int) -> tuple[int, int]:
        """(parts, depth) of a schema with its references followed."""
        if not isinstance(schema, dict):
            return 0, 0
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref in targets:
            if ref in sizes:
                return sizes[ref], depths[ref]
            if ref in open_refs:
                return 1, 0
            open_refs.add(ref)
            size, deep = measure(targets[ref], depth)
            open_refs.discard(ref)
            sizes[ref], depths[ref] = size, deep
            if size > SCHEMA_PARTS_LIMIT:
                raise too_big(ref)
            return size, deep
        if depth > EXPANDED_DEPTH_LIMIT:
            raise _Refused(
                f"The schemas nest more than {EXPANDED_DEPTH_LIMIT} levels deep once their "
                "references are followed; flatten them.",
                [],
            )
        size, deep = 1, 0
        for part, expand in _subschemas(schema):
            if not expand and isinstance(part, dict) and isinstance(part.get("$ref"), str):
                size += 1
                continue
            part_size, part_depth = measure(part, depth + 1)
            size += part_size
            deep = max(deep, part_depth + 1)
        if deep > EXPANDED_DEPTH_LIMIT:
            raise _Refused(
                f"The schemas nest more than {EXPANDED_DEPTH_LIMIT} levels deep once their "
                "references are followed; flatten them.",
                [],
            )
        return size, deep

    total = 0
    largest = ""
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                size, _ = measure(value, 0)
                total += size
                if sizes.get(ref, 0) >= sizes.get(largest, 0):
                    largest = ref
                continue
            schema = value.get("schema")  # a parameter's, a media type's, a header's
            if isinstance(schema, dict):
                size, _ = measure(schema, 0)
                total += size
            stack.extend(v for k, v in value.items() if k != "schema")
        elif isinstance(value, list):
            stack.extend(value)
        if total > DOCUMENT_PARTS_LIMIT:
            raise _Refused(
                f"The schemas' references expand to more than {DOCUMENT_PARTS_LIMIT:,} parts "
                f"in all (most through `{largest}`); flatten them, or point at shared parts "
                "fewer times.",
                _pointer_parts(largest) or [],
            )


# --- Validation ---------------------------------------------------------------------------------


def _is_reference_branch(errors: list[SchemaValidationError]) -> bool:
    return any(
        error.validator == "required" and "$ref" in (error.validator_value or ())
        for error in errors
    )


def _deepest(errors: list[SchemaValidationError]) -> SchemaValidationError:
    deepest = max(len(error.absolute_path) for error in errors)
    return best_match(error for error in errors if len(error.absolute_path) == deepest)


def _best_error(errors: Iterator[SchemaValidationError]) -> SchemaValidationError | None:
    """The error a person should read first. OpenAPI's schema says "a Reference or a Response"
    with oneOf, whose own message ("… is not valid under any of the given schemas") names no
    cause; follow it into the alternative that is not the bare Reference, and the error there
    that got furthest into the document."""
    error = best_match(errors)
    while error is not None and error.context:
        branches: dict[Any, list[SchemaValidationError]] = {}
        for sub in error.context:
            branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
            branches.setdefault(branch, []).append(sub)
        kept = [found for found in branches.values() if not _is_reference_branch(found)]
        if not kept:
            break
        candidates = [_deepest(found) for found in kept]
        enums = [c for c in candidates if c.validator in ("enum", "const")]
        if len(candidates) > 1 and len(enums) == len(candidates):
            same_place = {tuple(c.absolute_path) for c in candidates}
            if len(same_place) == 1:
                allowed: list = []
                for c in candidates:
                    values = c.validator_value if c.validator == "enum" else [c.validator_value]
                    allowed.extend(v for v in values if v not in allowed)
                merged = SchemaValidationError(
                    f"{candidates[0].instance!r} is not one of {allowed!r}",
                    path=candidates[0].absolute_path,
                    validator="enum",
                    validator_value=allowed,
                    instance=candidates[0].instance,
                )
                return merged
        deepest = max(len(c.absolute_path) for c in candidates)
        error = next(c for c in candidates if len(c.absolute_path) == deepest)
    return error


def _error_path(error: SchemaValidationError) -> list:
    """The document path the error names; for an unexpected key, that key itself."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = schema.get("properties", {})
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        for key in error.instance:
            if key not in known and not any(p.search(key) for p in patterns):
                return [*path, key]
    return path


def _short(message: str, limit: int = 300) -> str:
    message = message.split("\n\n", 1)[0].strip()
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _without_pattern_defaults(value: Any) -> Any:
    """A copy without ``default`` beside ``pattern``: the validator checks defaults against
    their schema with Python's backtracking regex engine, and a user's pattern and default
    together could make that take hours."""
    if isinstance(value, dict):
        skip = "default" if ("pattern" in value or "patternProperties" in value) else None
        return {k: _without_pattern_defaults(v) for k, v in value.items() if k != skip}
    if isinstance(value, list):
        return [_without_pattern_defaults(v) for v in value]
    return value


# The places the validator's semantic messages name, e.g. "Path parameter 'id' for 'get'
# operation in '/vehicles/{id}' was not resolved" or "Operation ID 'x' for 'get' in '/a' ...".
_OPERATION_IN_MESSAGE = re.compile(r"for '(\w+)'(?: operation)? in '([^']*)'")


def _walk_to(value: Any, parts: list) -> tuple[bool, Any]:
    for part in parts:
        is_key = isinstance(value, dict) and part in value
        is_index = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        if not (is_key or is_index):
            return False, None
        value = value[part]
    return True, value


def _semantic_path(data: dict, error: SchemaValidationError) -> list:
    """Where a problem found beyond OpenAPI's schema is. Those errors name an operation in
    their message, or carry a path only within the schema (or default value) they are about:
    then the first place in the document where that path holds that value is the one."""
    found = _OPERATION_IN_MESSAGE.search(error.message)
    if found:
        method, url = found.groups()
        return ["paths", url, method]
    relative = list(error.absolute_path)
    tries = [["default", *relative], relative] if relative else [["default"]]
    stack: list[tuple[Any, list]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        for parts in tries:
            ok, target = _walk_to(value, parts)
            if ok and target == error.instance:
                return [*path, *parts]
        if isinstance(value, dict):
            stack.extend((v, [*path, k]) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((v, [*path, i]) for i, v in reversed(list(enumerate(value))))
    return []


def _problem(error: SchemaValidationError, path: list) -> tuple[str, list]:
    if error.validator == "additionalProperties" and len(path) == 2 and path[0] == "paths":
        return f"The path “{path[1]}” must start with “/”.", path
    where = f"At {_where(path)}: " if path else ""
    return f"{where}{_short(error.message)}.", path


@functools.cache
def _schema_checker(minor: int):
    schema = schema_v30 if minor == 0 else schema_v31
    return validator_for(schema)(schema)


def _validate(data: dict, minor: int) -> tuple[str, list] | None:
    """(message, path) of the first problem the validator finds, or None."""
    spec_validator = OpenAPIV30SpecValidator if minor == 0 else OpenAPIV31SpecValidator
    # The document against OpenAPI's own JSON Schema (shipped with the library), with the
    # pure-Python jsonschema whose errors say which alternative failed (the library may pick a
    # faster backend whose errors do not), then the library's checks beyond that schema.
    error = _best_error(_schema_checker(minor).iter_errors(data))
    if error is not None:
        return _problem(error, _error_path(error))
    validator = spec_validator(_without_pattern_defaults(data))
    first = next(iter(validator.root_validator(validator.schema_path)), None)
    error = _best_error(iter([first])) if first is not None else None
    if error is not None:
        path = _semantic_path(data, error)
        return _problem(error, path)
    return None


_VERSION = re.compile(r"^3\.(\d+)\.\d+(?:-[0-9A-Za-z.-]+)?$")


def parse(document: str) -> ParsedContract:
    """The document as data, or ContractError: too large, not YAML/JSON (with the line), not
    a mapping, OpenAPI 2 (Swagger), or invalid OpenAPI 3 (the validator's message, with the
    line of the part it names)."""
    # A character is at least one byte: a long text is refused before it is encoded.
    size = len(document) if len(document) > CONTRACT_MAX_BYTES else None
    if size is None:
        try:
            size = len(document.encode("utf-8"))
        except UnicodeEncodeError:
            raise ContractError(
                "The document contains characters that are not valid text."
            ) from None
    if size > CONTRACT_MAX_BYTES:
        # Rounded up, so a text just over the limit does not read as exactly the limit.
        raise ContractError(
            f"The document is {math.ceil(size / 10_000) / 100:g} MB; the limit is "
            f"{CONTRACT_MAX_BYTES / 1_000_000:g} MB."
        )
    text = document.lstrip("\ufeff")
    if not text.strip():
        raise ContractError("The document is empty: paste an OpenAPI 3 document in YAML or JSON.")
    if "\x00" in text:
        raise ContractError("The document contains a NUL character.")
    kind = "json" if text.lstrip()[0] == "{" else "yaml"
    data = _read_json(text) if kind == "json" else _read_yaml(text)
    if not isinstance(data, dict):
        raise ContractError(
            "The document must be a mapping (openapi:, info:, paths: …), not "
            f"{'empty' if data is None else 'a ' + type(data).__name__}."
        )
    try:
        data = _plain(data, [])
        if "openapi" not in data:
            if "swagger" in data:
                raise _Refused(
                    f"This is a Swagger (OpenAPI {data['swagger']}) document. Only OpenAPI 3 "
                    "is supported: convert it (e.g. with swagger2openapi) and paste the result.",
                    ["swagger"],
                )
            raise ContractError(
                "The document has no “openapi” field. An OpenAPI 3 contract starts with "
                "`openapi: 3.0.3` (or 3.1.0), then info and paths."
            )
        version = data["openapi"]
        matched = _VERSION.match(version) if isinstance(version, str) else None
        if matched is None or matched.group(1) not in ("0", "1"):
            hint = ' (in YAML, put it in quotes: "3.0.3")' if not isinstance(version, str) else ""
            raise _Refused(
                f"“openapi: {version}” is not a version this tool checks: use 3.0.x or 3.1.x"
                f"{hint}.",
                ["openapi"],
            )
        _check_references(data)
        try:
            problem = _validate(data, int(matched.group(1)))
        except RecursionError:
            raise ContractError(
                "The document nests too deeply to check: look for a schema that contains "
                "itself other than through properties or items (for example through allOf)."
            ) from None
        except Exception:
            # The validator is a third party meeting arbitrary text: whatever it trips on is
            # this document's fault, and the person saving it gets a message, not a 500.
            logger.exception("openapi-spec-validator failed on a contract")
            raise ContractError(
                "The validator could not check this document; check its references and schemas."
            ) from None
        if problem is not None:
            raise _Refused(*problem)
    except _Refused as refusal:
        raise ContractError(refusal.message, _line_of(text, refusal.path)) from None
    return ParsedContract(format=kind, data=data)


# --- Endpoints ----------------------------------------------------------------------------------


_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "contract_resolve_budget", default=None
)


def _spend() -> bool:
    """Spend one step of the current call's budget; False once it has run out."""
    budget = _budget.get()
    if budget is None:
        return True
    budget[0] -= 1
    return budget[0] >= 0


def _budgeted(function):
    @functools.wraps(function)
    def call(*args, **kwargs):
        if _budget.get() is not None:
            return function(*args, **kwargs)
        token = _budget.set([RESOLVE_BUDGET])
        try:
            return function(*args, **kwargs)
        finally:
            _budget.reset(token)

    return call


def _follow(
    root: dict, value: Any, seen: frozenset = frozenset()
) -> tuple[Any, str | None, frozenset]:
    """Follow a $ref chain: (the value, the name of the last component it went through, the
    references followed so far). A reference already in ``seen`` (a cycle) gives {}."""
    name = None
    while isinstance(value, dict) and isinstance(value.get("$ref"), str):
        ref = value["$ref"]
        if ref in seen:
            return {}, name, seen
        seen = seen | {ref}
        found, target = _pointer(root, ref)
        if not found:
            return {}, name, seen
        if "/" in ref:
            name = ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        value = target
    return value, name, seen


def _deref(root: dict, value: Any) -> tuple[Any, str | None]:
    value, name, _seen = _follow(root, value)
    return value, name


def _merge_all_of(root: dict, schema: dict, seen: frozenset, depth: int = 0) -> dict:
    """A schema with its allOf parts folded in: properties and required lists joined."""
    if not isinstance(schema.get("allOf"), list):
        return schema
    merged: dict = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict = {}
    required: list = []
    for raw in schema["allOf"] if depth < 8 else ():
        if not _spend():
            break
        part, _name, part_seen = _follow(root, raw, seen)
        if not isinstance(part, dict):
            continue
        part = _merge_all_of(root, part, part_seen, depth + 1)
        properties.update(part.get("properties") or {})
        required.extend(part.get("required") or [])
        for key, value in part.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    properties.update(schema.get("properties") or {})
    required.extend(schema.get("required") or [])
    merged["properties"] = properties
    merged["required"] = list(dict.fromkeys(r for r in required if isinstance(r, str)))
    if properties and "type" not in merged:
        merged["type"] = "object"
    return merged


def _resolved(root: dict, schema: Any) -> tuple[dict, str | None]:
    """A schema with its references followed and its allOf merged, and its component name."""
    schema, name, seen = _follow(root, schema)
    if not isinstance(schema, dict) or not _spend():
        return {}, name
    return _merge_all_of(root, schema, seen), name


def _json_types(schema: dict) -> list[str]:
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    types = [t for t in types if isinstance(t, str)]
    if not types and (schema.get("properties") or schema.get("additionalProperties")):
        types = ["object"]
    if schema.get("nullable") is True and "null" not in types:
        types.append("null")
    return types


def _type_name(root: dict, schema: Any, seen: frozenset = frozenset(), depth: int = 0) -> str:
    """How the reading page names a schema's type: "string (date-time)", "array of Vehicle",
    "Car | Truck", "map of integer"."""
    resolved, name = _resolved(root, schema)
    if depth > 4 or (not resolved and not _spend()):
        return name or "…"
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref in seen:
        return f"{name} (recursive)" if name else "recursive"
    inner_seen = seen | {ref} if isinstance(ref, str) else seen
    for keyword in ("oneOf", "anyOf"):
        if isinstance(resolved.get(keyword), list) and resolved[keyword]:
            names = [_type_name(root, s, inner_seen, depth + 1) for s in resolved[keyword]]
            return " | ".join(dict.fromkeys(names))
    types = _json_types(resolved)
    nullable = "null" in types and len(types) > 1
    types = [t for t in types if t != "null"] or types
    labels = []
    for kind in types:
        if kind == "array":
            items = resolved.get("items")
            if isinstance(items, dict) and items:
                labels.append("array of " + _type_name(root, items, inner_seen, depth + 1))
            else:
                labels.append("array")
        elif kind == "object":
            extra = resolved.get("additionalProperties")
            if name:
                labels.append(name)
            elif isinstance(extra, dict) and extra and not resolved.get("properties"):
                labels.append("map of " + _type_name(root, extra, inner_seen, depth + 1))
            else:
                labels.append("object")
        else:
            label = kind
            if isinstance(resolved.get("format"), str):
                label += f" ({resolved['format']})"
            labels.append(label)
    label = " | ".join(labels) if labels else (name or "any")
    enum = resolved.get("enum")
    if isinstance(enum, list) and enum:
        shown = ", ".join(str(v) for v in enum[:8]) + (", …" if len(enum) > 8 else "")
        label += f": {shown}"
    if nullable:
        label += " | null"
    return label


def _description(schema: dict) -> str:
    text = schema.get("description") or schema.get("title") or ""
    return text if isinstance(text, str) else ""


def _fields(root: dict, schema: Any) -> list[dict]:
    """A body's schema flattened for reading: one row per property, nested ones named with dots
    ("driver.name") and array items with "[]" ("items[].plate")."""
    rows: list[dict] = []

    def walk(schema: Any, prefix: str, depth: int, seen: frozenset) -> None:
        resolved, _name = _resolved(root, schema)
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if isinstance(ref, str):
            seen = seen | {ref}
        types = _json_types(resolved)
        if "array" in types and isinstance(resolved.get("items"), dict):
            walk_items(resolved["items"], prefix + "[]", depth, seen)
            return
        properties = resolved.get("properties")
        if not isinstance(properties, dict):
            return
        required = resolved.get("required") or []
        for key, child in properties.items():
            if len(rows) >= FIELDS_PER_BODY:
                return
            name = f"{prefix}.{key}" if prefix else key
            child_resolved, _ = _resolved(root, child)
            rows.append(
                {
                    "name": name,
                    "type": _type_name(root, child, seen),
                    "required": key in required,
                    "description": _description(child if isinstance(child, dict) else {})
                    or _description(child_resolved),
                }
            )
            child_ref = child.get("$ref") if isinstance(child, dict) else None
            if depth + 1 < FIELD_DEPTH and child_ref not in seen:
                walk(child, name, depth + 1, seen)

    def walk_items(items: Any, prefix: str, depth: int, seen: frozenset) -> None:
        ref = items.get("$ref") if isinstance(items, dict) else None
        if ref in seen:
            return
        walk(items, prefix, depth, seen)

    walk(schema, "", 0, frozenset())
    return rows


def _content(root: dict, content: Any) -> tuple[str | None, dict | None]:
    """The content type a reader cares about (JSON first) and its schema."""
    if not isinstance(content, dict) or not content:
        return None, None
    content_type = next((t for t in content if "json" in t), next(iter(content)))
    media, _ = _deref(root, content[content_type])
    schema = media.get("schema") if isinstance(media, dict) else None
    return content_type, schema if isinstance(schema, dict) else None


def _body_summary(root: dict, content: Any) -> dict:
    content_type, schema = _content(root, content)
    return {
        "content_type": content_type,
        "type": _type_name(root, schema) if schema else None,
        "fields": _fields(root, schema) if schema else [],
    }


def _parameters(root: dict, path_item: dict, operation: dict) -> list[dict]:
    merged: dict[tuple, dict] = {}
    for source in (path_item.get("parameters"), operation.get("parameters")):
        for raw in source if isinstance(source, list) else []:
            parameter, _ = _deref(root, raw)
            if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
                continue
            location = parameter.get("in")
            name = parameter["name"]
            key = (location, name.lower() if location == "header" else name)
            merged[key] = parameter
    return list(merged.values())


def _parameter_schema(root: dict, parameter: dict) -> Any:
    if isinstance(parameter.get("schema"), dict):
        return parameter["schema"]
    return _content(root, parameter.get("content"))[1]


def _operations(root: dict) -> Iterator[tuple[str, str, dict, dict]]:
    paths = root.get("paths")
    if not isinstance(paths, dict):
        return
    for path, raw_item in paths.items():
        path_item, _ = _deref(root, raw_item)
        if not isinstance(path_item, dict):
            continue
        for method, operation in path_item.items():
            if method in METHODS and isinstance(operation, dict):
                yield path, method, path_item, operation


@_budgeted
def endpoints(document: dict) -> list[dict]:
    """Every operation, in document order, as the reading page lists it."""
    root = document
    listed = []
    for path, method, path_item, operation in _operations(root):
        parameters = []
        for parameter in _parameters(root, path_item, operation):
            schema = _parameter_schema(root, parameter)
            parameters.append(
                {
                    "name": parameter["name"],
                    "in": parameter.get("in"),
                    "required": bool(parameter.get("required")) or parameter.get("in") == "path",
                    "type": _type_name(root, schema) if schema else "any",
                    "description": _description(parameter),
                }
            )
        request = None
        body, _ = _deref(root, operation.get("requestBody"))
        if isinstance(body, dict) and body:
            request = {
                "required": bool(body.get("required")),
                **_body_summary(root, body.get("content")),
            }
        responses = []
        raw_responses = operation.get("responses")
        for status, raw in (raw_responses if isinstance(raw_responses, dict) else {}).items():
            if str(status).startswith("x-"):
                continue
            response, _ = _deref(root, raw)
            if not isinstance(response, dict):
                continue
            responses.append(
                {
                    "status": str(status),
                    "description": response.get("description") or "",
                    **_body_summary(root, response.get("content")),
                }
            )
        listed.append(
            {
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary") or "",
                "description": operation.get("description") or "",
                "operation_id": operation.get("operationId") or "",
                "deprecated": bool(operation.get("deprecated")),
                "parameters": parameters,
                "request": request,
                "responses": responses,
            }
        )
    return listed


# --- Breaking changes ---------------------------------------------------------------------------


def _path_shape(path: str) -> str:
    """A path with its parameters' names blanked: /vehicles/{id} and /vehicles/{vehicleId} are
    the same URL to a client."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _is_success(status: str) -> bool:
    return str(status)[:1] == "2"


def _comparable_types(root: dict, schema: Any, depth: int = 0) -> frozenset[str]:
    """The JSON types a value of this schema can have (null aside), for spotting a changed
    type; empty when the schema does not say."""
    resolved, _ = _resolved(root, schema)
    for keyword in ("oneOf", "anyOf"):
        if isinstance(resolved.get(keyword), list) and resolved[keyword]:
            kinds: set[str] = set()
            for part in resolved[keyword]:
                part_kinds = _comparable_types(root, part, depth + 1) if depth < 4 else frozenset()
                if not part_kinds:
                    return frozenset()
                kinds |= part_kinds
            return frozenset(kinds)
    return frozenset(t for t in _json_types(resolved) if t != "null")


def _describe_types(kinds: frozenset[str]) -> str:
    return " or ".join(sorted(kinds))


class _Diff:
    def __init__(self, old: dict, new: dict):
        self.old, self.new = old, new
        self.changes: list[tuple[tuple, dict]] = []
        self.budget = DIFF_BUDGET

    def add(self, order: tuple, kind: str, where: str, detail: str) -> None:
        self.changes.append(
            (
                (*order, BREAKING_KINDS.index(kind), detail),
                {"kind": kind, "where": where, "detail": detail},
            )
        )

    def compare_schemas(
        self,
        order: tuple,
        where: str,
        old: Any,
        new: Any,
        label: str,
        *,
        request: bool,
        subject: str,
        depth: int = 0,
        seen: frozenset = frozenset(),
    ) -> None:
        """Walk the two versions of a body's schema side by side. In a response, a field that
        disappears breaks readers; in a request, one that becomes required breaks writers; in
        both, a field whose type changes does."""
        self.budget -= 1
        if self.budget < 0 or depth > DIFF_DEPTH:
            return
        pair = (
            old.get("$ref") if isinstance(old, dict) else None,
            new.get("$ref") if isinstance(new, dict) else None,
        )
        if pair != (None, None):
            if pair in seen:
                return
            seen = seen | {pair}
        old_resolved, _ = _resolved(self.old, old)
        new_resolved, _ = _resolved(self.new, new)
        old_types = _comparable_types(self.old, old)
        new_types = _comparable_types(self.new, new)
        if old_types and new_types and old_types != new_types:
            what = f"{subject} field `{label}`" if label else f"{subject} body"
            self.add(
                order,
                "changed_type",
                where,
                f"{what} changed type from {_describe_types(old_types)} to "
                f"{_describe_types(new_types)}.",
            )
            return
        if "array" in old_types and "array" in new_types:
            old_items, new_items = old_resolved.get("items"), new_resolved.get("items")
            if isinstance(old_items, dict) and isinstance(new_items, dict):
                self.compare_schemas(
                    order,
                    where,
                    old_items,
                    new_items,
                    f"{label}[]",
                    request=request,
                    subject=subject,
                    depth=depth + 1,
                    seen=seen,
                )
            return
        old_properties = old_resolved.get("properties") or {}
        new_properties = new_resolved.get("properties") or {}
        if not isinstance(old_properties, dict) or not isinstance(new_properties, dict):
            return
        old_required = set(old_resolved.get("required") or [])
        new_required = set(new_resolved.get("required") or [])
        separator = "." if label else ""
        for key, old_child in old_properties.items():
            name = f"{label}{separator}{key}"
            if key not in new_properties:
                if not request:
                    self.add(
                        order,
                        "removed_response_field",
                        where,
                        f"{subject} no longer has field `{name}`.",
                    )
                continue
            self.compare_schemas(
                order,
                where,
                old_child,
                new_properties[key],
                name,
                request=request,
                subject=subject,
                depth=depth + 1,
                seen=seen,
            )
        if request:
            for key in new_properties.keys() | new_required:
                if key in new_required and key not in old_required:
                    name = f"{label}{separator}{key}"
                    newly = "is now required" if key in old_properties else "is new and required"
                    self.add(
                        order,
                        "newly_required_request_field",
                        where,
                        f"{subject} field `{name}` {newly}.",
                    )

    def compare_parameters(
        self, order: tuple, where: str, old_op: tuple, new_op: tuple, paths: tuple[str, str]
    ) -> None:
        old_parameters = {_parameter_key(p, paths[0]): p for p in _parameters(self.old, *old_op)}
        for parameter in _parameters(self.new, *new_op):
            location, name = parameter.get("in"), parameter["name"]
            key = _parameter_key(parameter, paths[1])
            required = bool(parameter.get("required")) or location == "path"
            before = old_parameters.get(key)
            if before is None:
                if required:
                    self.add(
                        order,
                        "newly_required_parameter",
                        where,
                        f"Requests now need the {location} parameter `{name}`.",
                    )
                continue
            if required and not (bool(before.get("required")) or location == "path"):
                self.add(
                    order,
                    "newly_required_parameter",
                    where,
                    f"The {location} parameter `{name}` is now required.",
                )
            old_types = _comparable_types(self.old, _parameter_schema(self.old, before) or {})
            new_types = _comparable_types(self.new, _parameter_schema(self.new, parameter) or {})
            if old_types and new_types and old_types != new_types:
                self.add(
                    order,
                    "changed_type",
                    where,
                    f"The {location} parameter `{name}` changed type from "
                    f"{_describe_types(old_types)} to {_describe_types(new_types)}.",
                )

    def compare_request(self, order: tuple, where: str, old_op: dict, new_op: dict) -> None:
        old_body, _ = _deref(self.old, old_op.get("requestBody"))
        new_body, _ = _deref(self.new, new_op.get("requestBody"))
        old_body = old_body if isinstance(old_body, dict) else {}
        new_body = new_body if isinstance(new_body, dict) else {}
        if not new_body:
            return
        if new_body.get("required") and not old_body.get("required"):
            self.add(
                order,
                "newly_required_request_field",
                where,
                "A request body is now required."
                if old_body
                else "A request body is new and required.",
            )
        if not old_body:
            return
        old_type, old_schema = _content(self.old, old_body.get("content"))
        _new_type, new_schema = _content_like(self.new, new_body.get("content"), old_type)
        if old_schema and new_schema:
            self.compare_schemas(
                order,
                where,
                old_schema,
                new_schema,
                "",
                request=True,
                subject="Request",
            )

    def compare_responses(self, order: tuple, where: str, old_op: dict, new_op: dict) -> None:
        old_responses = old_op.get("responses") if isinstance(old_op.get("responses"), dict) else {}
        new_responses = new_op.get("responses") if isinstance(new_op.get("responses"), dict) else {}
        for status, raw in old_responses.items():
            status = str(status)
            if status.startswith("x-"):
                continue
            if status not in new_responses:
                if _is_success(status):
                    self.add(
                        order,
                        "removed_response",
                        where,
                        f"Response {status} was removed: clients that expect it will break.",
                    )
                continue
            old_response, _ = _deref(self.old, raw)
            new_response, _ = _deref(self.new, new_responses[status])
            if not isinstance(old_response, dict) or not isinstance(new_response, dict):
                continue
            old_type, old_schema = _content(self.old, old_response.get("content"))
            _new_type, new_schema = _content_like(self.new, new_response.get("content"), old_type)
            subject = f"Response {status}"
            if old_schema and not new_schema:
                self.add(
                    order,
                    "removed_response_field",
                    where,
                    f"{subject} no longer has a body.",
                )
            elif old_schema and new_schema:
                self.compare_schemas(
                    order,
                    where,
                    old_schema,
                    new_schema,
                    "",
                    request=False,
                    subject=subject,
                )


def _parameter_key(parameter: dict, path: str) -> tuple:
    """What identifies a parameter to a client: a header's name in any case, a path
    parameter's place in the URL (renaming {id} to {vehicleId} changes nothing for it)."""
    location, name = parameter.get("in"), parameter["name"]
    if location == "header":
        return location, name.lower()
    if location == "path":
        names = re.findall(r"\{([^}]*)\}", path)
        if name in names:
            return location, names.index(name)
    return location, name


def _content_like(root: dict, content: Any, content_type: str | None) -> tuple[str | None, Any]:
    """The new version of a body in the content type the old one used, if it still has it."""
    if isinstance(content, dict) and content_type in content:
        media, _ = _deref(root, content[content_type])
        schema = media.get("schema") if isinstance(media, dict) else None
        return content_type, schema if isinstance(schema, dict) else None
    return _content(root, content)


@_budgeted
def breaking_changes(old: dict, new: dict) -> list[dict]:
    """What a client written against ``old`` would break on in ``new``: removed paths,
    operations and success responses, response fields removed, request fields and parameters
    newly required, and types changed. Additions that clients may ignore are not listed."""
    diff = _Diff(old, new)
    new_paths: dict[str, tuple[str, dict]] = {}
    for path, raw_item in (new.get("paths") or {}).items():
        item, _ = _deref(new, raw_item)
        if isinstance(item, dict):
            new_paths.setdefault(_path_shape(path), (path, item))
    old_operations: dict[str, list[str]] = {}
    for path, method, _item, _operation in _operations(old):
        old_operations.setdefault(path, []).append(method)
    for path, raw_item in (old.get("paths") or {}).items():
        old_item, _ = _deref(old, raw_item)
        if not isinstance(old_item, dict):
            continue
        order = (path, -1)
        methods = old_operations.get(path, [])
        if _path_shape(path) not in new_paths:
            listed = ", ".join(m.upper() for m in methods)
            if len(methods) > 1:
                detail = f"The path `{path}` was removed, with its operations {listed}."
            elif methods:
                detail = f"The path `{path}` was removed, with its {listed} operation."
            else:
                detail = f"The path `{path}` was removed."
            diff.add(order, "removed_path", path, detail)
            continue
        new_path, new_item = new_paths[_path_shape(path)]
        for method in methods:
            where = f"{method.upper()} {new_path}"
            op_order = (path, METHODS.index(method))
            new_operation = new_item.get(method)
            if not isinstance(new_operation, dict):
                diff.add(
                    op_order,
                    "removed_operation",
                    f"{method.upper()} {path}",
                    f"The operation {method.upper()} {path} was removed.",
                )
                continue
            old_operation = old_item[method]
            diff.compare_parameters(
                op_order,
                where,
                (old_item, old_operation),
                (new_item, new_operation),
                (path, new_path),
            )
            diff.compare_request(op_order, where, old_operation, new_operation)
            diff.compare_responses(op_order, where, old_operation, new_operation)
    seen = set()
    unique = []
    for _order, change in sorted(diff.changes, key=lambda pair: pair[0]):
        marker = (change["kind"], change["where"], change["detail"])
        if marker not in seen:
            seen.add(marker)
            unique.append(change)
    return unique
