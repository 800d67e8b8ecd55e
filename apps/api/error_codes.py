"""The codes of the 400s an operation can answer (docs/api.md §Errors), derived from what the operation reads.

The schema lists them per operation as the ``code`` enum of its 400 response, so a client (or schemathesis)
knows every refusal it can meet. They are not listed by hand per view; they come from:

- the request body's serializer: every field's own codes (its ``error_messages``: ``required``, ``null``,
  ``incorrect_type``, ``invalid``, ``min_value``, ``max_length``, ``does_not_exist``, ``invalid_choice`` ...) and its
  validators' (``unique``, ``future_date``, ``too_early`` ...), nested serializers and lists included, plus the
  codes of the rules across fields and rows that the serializer states beside the code that raises them
  (``rule_codes``: ``exceeds_population``, ``duplicate``, ``end_before_start`` ...);
- the query: the filters' fields and the query serializers the same way, ``blank`` for an empty value, and
  ``invalid_page`` with the pagination;
- any write: ``invalid`` (a domain validator's sentence without a code, a value that does not fit its
  column) and ``constraint`` (a database constraint), ``parse_error`` for a body that is not JSON; a view's own
  rules on delete (``destroy_rule_codes``).

Which of them a request that satisfies the schema can still get — rules on stored data or on today's date that
no schema can state — is ``DATA_RULE_CODES``.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_filters as df
from rest_framework import serializers

WRITE_CODES = frozenset({"invalid", "constraint"})
BODY_CODES = frozenset({"parse_error"})
QUERY_CODES = frozenset({"blank"})
PAGINATION_CODES = frozenset({"invalid", "max_value", "invalid_page"})
# a serializer's own codes that no input reaches here: DRF's "max_string_length" needs a string of 1,000 digits
UNREACHABLE = frozenset({"datetime", "date", "make_aware", "overflow"})

# Rules on stored data or on the calendar: a request that satisfies the schema may break them. (``invalid`` is
# the code of the domain validators' sentences, apps/batch/services/validation.py.)
DATA_RULE_CODES = frozenset(
    {
        "authorization", "before_batch_start", "constraint", "does_not_exist", "duplicate", "empty_profile",
        "end_before_start", "exceeds_population", "exceeds_daily_feed", "future_date", "has_assignments", "invalid",
        "invalid_page", "max_below_min", "no_days", "other_batch", "other_species", "outside_assignment", "pinned",
        "unique", "out_of_range", "too_early", "beyond_horizon", "excludes_readings", "final", "invalid_transition",
        "use_complete_action", "not_applicable", "same_container", "other_container", "no_assignment", "departed",
        "same_assignment", "has_casts", "figures_or_weights", "day_limit",
        "nothing_to_save",
    }
)  # fmt: skip


def validator_codes(validator) -> set[str]:
    """A validator's codes: Django's ``code`` or ``messages``, DRF's unique validators, or our ``codes``."""
    codes = set(getattr(validator, "codes", ()))
    if isinstance(getattr(validator, "code", None), str):
        codes.add(validator.code)
    if isinstance(getattr(validator, "messages", None), dict):
        codes |= set(validator.messages)
    if type(validator).__name__.startswith("Unique"):
        codes.add("unique")
    return codes


def field_codes(field) -> set[str]:
    """The codes one serializer field can answer (a nested serializer's, a list's and its child's included)."""
    if isinstance(field, (serializers.BaseSerializer)):
        return serializer_codes(field)
    codes = set(field.error_messages) - UNREACHABLE
    for validator in field.validators:
        codes |= validator_codes(validator)
    for inner in (getattr(field, "child", None), getattr(field, "child_relation", None)):
        if inner is not None:
            codes |= field_codes(inner)
    return codes


def serializer_codes(serializer) -> set[str]:
    """Every code a serializer can answer for its input: its own, its writable fields' and its rules'."""
    if isinstance(serializer, serializers.ListSerializer):
        return set(serializer.error_messages) | serializer_codes(serializer.child)
    codes = set(serializer.error_messages)
    for klass in type(serializer).__mro__:
        codes |= set(klass.__dict__.get("rule_codes", ()))
    for validator in serializer.validators:
        codes |= validator_codes(validator)
    for field in serializer.fields.values():
        if not field.read_only:
            codes |= field_codes(field)
    return codes


def filterset_codes(filterset_class) -> set[str]:
    codes = set()
    for f in filterset_class.base_filters.values():
        field = f.field
        codes |= (set(field.error_messages) - {"required"}) | {c for v in field.validators for c in validator_codes(v)}
        if type(f) is not df.CharFilter:
            codes.add("blank")
    return codes


def operation_codes(
    *,
    method: str,
    body: serializers.BaseSerializer | None,
    query: Iterable,
    filtersets: Iterable,
    paginated: bool,
    view_rule_codes: Iterable[str] = (),
) -> list[str]:
    """The sorted 400 codes of one operation, from what it reads (the module's docstring)."""
    codes: set[str] = set(view_rule_codes)
    if method != "GET":
        codes |= WRITE_CODES
    if body is not None:
        codes |= BODY_CODES | serializer_codes(body)
    for serializer in query:
        codes |= QUERY_CODES | serializer_codes(serializer)
    for filterset_class in filtersets:
        codes |= filterset_codes(filterset_class)
    if paginated:
        codes |= PAGINATION_CODES
    return sorted(codes)
