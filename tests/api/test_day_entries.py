"""A day's mortality and feeding for several containers in one request (issue 21: the site's record page): every
row is checked as the single-event endpoints check it, and one refused row saves nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.batch.models import MortalityEvent, RecomputeMarker
from apps.inventory.models import Feed, FeedingEvent
from tests.api.conftest import day, errors_by_field
from tests.factories import AssignmentFactory, ContainerFactory, stage

URL = "/api/v1/batch/day-entries/"


@pytest.fixture
def pens(farm):
    """The farm's source tank (days 1-29, 10,000 fish) and a second tank of the batch over the same days."""
    other = AssignmentFactory(
        batch=farm.batch,
        container=ContainerFactory(site=farm.source.container.site),
        assignment_date=farm.source.assignment_date,
        departure_date=farm.source.departure_date,
        placement_count=500,
        lifecycle_stage=stage("Smolt"),
    )
    RecomputeMarker.objects.all().delete()
    return farm.source, other


def entries(on: int, *rows, **extra) -> dict:
    return {"date": day(on).isoformat(), "rows": list(rows), **extra}


def test_a_days_deaths_and_feed_for_several_containers_are_recorded_in_one_request(pens, operator):
    source, other = pens
    feed = Feed.objects.create(name="Pellet 4 mm")
    answer = operator.post(
        URL,
        entries(
            12,
            {"assignment": source.pk, "count": 7, "cause": "DISEASE", "amount_kg": 41.5},
            {"assignment": other.pk, "amount_kg": "3.25"},
            {"assignment": other.pk},  # a pen with nothing to record that day
            feed=feed.pk,
        ),
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert [e["count"] for e in answer.json()["mortality_events"]] == [7]
    assert list(MortalityEvent.objects.values_list("assignment_id", "event_date", "count", "cause")) == [
        (source.pk, day(12), 7, "DISEASE")
    ]
    assert sorted(FeedingEvent.objects.values_list("assignment_id", "amount_kg", "feed_id")) == sorted(
        [(source.pk, Decimal("41.500"), feed.pk), (other.pk, Decimal("3.250"), feed.pk)]
    )
    assert dict(RecomputeMarker.objects.values_list("assignment_id", "dirty_from")) == {
        source.pk: day(12),
        other.pk: day(12),
    }


def test_one_refused_row_saves_nothing_and_every_refusal_names_its_row_and_field(pens, operator):
    source, other = pens
    answer = operator.post(
        URL,
        entries(
            12,
            {"assignment": source.pk, "count": 5, "amount_kg": 10},  # fine
            {"assignment": other.pk, "count": 501},  # more deaths than the 500 fish held
            {"assignment": other.pk, "amount_kg": 100_000, "count": 1},
            {"assignment": other.pk, "amount_kg": 1},  # 100,001 kg that day in all
        ),
        format="json",
    )
    assert errors_by_field(answer) == {"rows.1.count": "exceeds_population", "rows.3.amount_kg": "exceeds_daily_feed"}
    assert not MortalityEvent.objects.exists() and not FeedingEvent.objects.exists()
    assert not RecomputeMarker.objects.exists()


def test_a_container_without_that_day_is_named_by_its_row(pens, operator, farm):
    answer = operator.post(URL, entries(40, {"assignment": farm.source.pk, "count": 1}), format="json")
    assert errors_by_field(answer) == {"rows.0.assignment": "invalid"}
    assert "outside the assignment's days" in answer.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    "body, expected",
    [
        (entries(12, {"count": 1}), {"rows.0.assignment": "required"}),
        (entries(12, {"assignment": 1, "count": 0}), {"rows.0.count": "min_value"}),
        (entries(12, {"assignment": 1, "amount_kg": -1}), {"rows.0.amount_kg": "min_value"}),
        (entries(12, {"assignment": 1, "cause": "BOREDOM", "count": 1}), {"rows.0.cause": "invalid_choice"}),
        ({"date": "2999-01-01", "rows": [{"assignment": 1, "count": 1}]}, {"date": "future_date"}),
    ],
)
def test_bad_rows_are_refused_naming_the_field(pens, operator, body, expected):
    for row in body["rows"]:
        if row.get("assignment") == 1:
            row["assignment"] = pens[0].pk
    assert errors_by_field(operator.post(URL, body, format="json")) == expected
    assert not MortalityEvent.objects.exists()


def test_a_form_with_nothing_entered_says_so(pens, operator):
    answer = operator.post(URL, entries(12, {"assignment": pens[0].pk}, {"assignment": pens[1].pk}), format="json")
    assert errors_by_field(answer) == {"rows": "nothing_to_save"}


def test_a_double_submit_with_one_key_records_the_day_once(pens, operator):
    body = entries(12, {"assignment": pens[0].pk, "count": 3})
    first = operator.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="site-day-1")
    again = operator.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="site-day-1")
    assert first.status_code == again.status_code == 201
    assert json.loads(again.content) == first.json() and again["Idempotent-Replayed"] == "true"
    assert MortalityEvent.objects.count() == 1


def test_viewers_may_not_record(pens, viewer):
    assert viewer.post(URL, entries(12, {"assignment": pens[0].pk, "count": 3}), format="json").status_code == 403
