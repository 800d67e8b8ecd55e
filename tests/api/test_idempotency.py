"""Issue 16, item 7: a write sent again with the same ``Idempotency-Key`` is recorded once (docs/api.md §Retries)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.api.idempotency import idempotency_keys_expire
from apps.api.models import IdempotencyKey
from apps.batch.models import MortalityEvent
from tests.api.conftest import day, errors_by_field

URL = "/api/v1/batch/mortality-events/"


def death(farm, count: int = 74, on: int = 10) -> dict:
    return {"assignment": farm.source.pk, "event_date": day(on).isoformat(), "count": count}


def post(client, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers)


def test_a_write_sent_twice_with_one_key_is_recorded_once_and_the_retry_gets_the_first_answer(farm, operator):
    first = post(operator, death(farm), "phone-at-pen-7:0001")
    again = post(operator, death(farm), "phone-at-pen-7:0001")
    assert first.status_code == again.status_code == 201
    assert json.loads(again.content) == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert list(MortalityEvent.objects.values_list("count", flat=True)) == [74]


def test_without_a_key_every_write_is_recorded(farm, operator):
    post(operator, death(farm), None)
    post(operator, death(farm), None)
    assert MortalityEvent.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_with_422_naming_the_header(farm, operator):
    post(operator, death(farm, count=74), "k1")
    refused = post(operator, death(farm, count=75), "k1")
    assert refused.status_code == 422
    assert errors_by_field(refused) == {"Idempotency-Key": "idempotency_key_reused"}
    assert list(MortalityEvent.objects.values_list("count", flat=True)) == [74]


def test_the_same_key_on_another_path_is_refused(farm, operator):
    post(operator, death(farm), "k1")
    sample = {
        "assignment": farm.source.pk,
        "sample_date": day(12).isoformat(),
        "sample_size": 30,
        "avg_weight_g": "125.00",
    }
    refused = operator.post("/api/v1/batch/growth-samples/", sample, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert refused.status_code == 422


def test_keys_belong_to_their_user(farm, client_as):
    first, second = client_as("operator"), client_as("operator")
    assert post(first, death(farm), "shared-key").status_code == 201
    assert post(second, death(farm), "shared-key").status_code == 201
    assert MortalityEvent.objects.count() == 2


def test_a_refused_write_keeps_no_key_so_its_retry_runs_again(farm, operator):
    too_many = death(farm, count=1_000_000)
    assert post(operator, too_many, "k1").status_code == 400
    assert not IdempotencyKey.objects.exists()
    retry = post(operator, too_many, "k1")
    assert retry.status_code == 400 and "Idempotent-Replayed" not in retry


def test_deletes_and_updates_replay_too(farm, operator):
    event_id = post(operator, death(farm), None).json()["id"]
    patched = [
        operator.patch(f"{URL}{event_id}/", {"count": 80}, format="json", HTTP_IDEMPOTENCY_KEY="p") for _ in range(2)
    ]
    assert [r.status_code for r in patched] == [200, 200] and patched[1]["Idempotent-Replayed"] == "true"
    deleted = [operator.delete(f"{URL}{event_id}/", HTTP_IDEMPOTENCY_KEY="d") for _ in range(2)]
    assert [r.status_code for r in deleted] == [204, 204]  # the retry is not a 404: it replays the delete
    assert not MortalityEvent.objects.exists()


@pytest.mark.parametrize("key", ["", "has space", "ü-non-ascii", "x" * 256])
def test_a_malformed_key_is_refused_with_400_naming_the_header(farm, operator, key):
    refused = post(operator, death(farm), key)
    assert refused.status_code == 400
    assert errors_by_field(refused) == {"Idempotency-Key": "invalid"}
    assert not MortalityEvent.objects.exists()


def test_reads_ignore_the_header(farm, operator):
    assert operator.get(URL, HTTP_IDEMPOTENCY_KEY="has space").status_code == 200


def test_a_key_older_than_its_lifetime_is_claimed_afresh_and_expired_keys_are_deleted(farm, operator, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    post(operator, death(farm), "old")
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert post(operator, death(farm), "old").status_code == 201 and MortalityEvent.objects.count() == 2
    post(operator, death(farm), "new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert idempotency_keys_expire() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


VALID, INVALID = 74, 1_000_000  # INVALID: more deaths than the pen holds (400, nothing written)


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    requests=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([VALID, VALID + 1, INVALID])), max_size=10
    )
)
def test_events_recorded_equal_the_keys_with_a_successful_outcome(farm, operator, requests):
    """A small model of the rules: a key is bound to the first request that succeeded with it; later ones with
    the same body replay it, with another body get 422; before any success, every request runs."""
    MortalityEvent.objects.all().delete()
    IdempotencyKey.objects.all().delete()
    bound: dict[str, int] = {}
    for key, count in requests:
        response = post(operator, death(farm, count=count), key)
        if key in bound:
            expected = 201 if bound[key] == count else 422
            assert response.status_code == expected
            assert (response.get("Idempotent-Replayed") == "true") == (expected == 201)
        else:
            assert response.status_code == (400 if count == INVALID else 201)
            if count != INVALID:
                bound[key] = count
    assert MortalityEvent.objects.count() == len(bound) == IdempotencyKey.objects.count()
    assert sorted(MortalityEvent.objects.values_list("count", flat=True)) == sorted(bound.values())


def test_beat_deletes_the_expired_keys_every_hour(farm, operator, settings):
    from apps.api import tasks

    assert settings.CELERY_BEAT_SCHEDULE["idempotency-keys-expire"] == {
        "task": "apps.api.tasks.idempotency_keys_expire",
        "schedule": 3600.0,
    }
    post(operator, death(farm), "yesterday")
    IdempotencyKey.objects.update(
        created_at=timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, seconds=1)
    )
    assert tasks.idempotency_keys_expire.apply().result == {"deleted": 1}
    assert not IdempotencyKey.objects.exists() and MortalityEvent.objects.count() == 1
