"""The casts of a sampling day through the API (issue 21; docs/api.md, "Casts")."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.batch.models import GrowthSample, GrowthSampleCast, RecomputeMarker
from tests.api.conftest import day, errors_by_field

URL = "/api/v1/batch/growth-sample-casts/"
SAMPLES = "/api/v1/batch/growth-samples/"


def cast(farm, on: int = 12, **figures) -> dict:
    body = {"assignment": farm.source.pk, "sample_date": day(on).isoformat()}
    body.update(figures or {"fish_weighed": 40, "avg_weight_g": 120})
    return body


def day_sample(farm, on: int = 12):
    return (
        GrowthSample.objects.filter(assignment=farm.source, sample_date=day(on))
        .values_list("sample_size", "avg_weight_g", "std_dev_weight_g")
        .first()
    )


def test_each_cast_of_the_day_is_kept_and_the_days_sample_is_their_aggregate(farm, operator):
    first = operator.post(URL, cast(farm, fish_weighed=40, avg_weight_g=120, std_dev_weight_g=10), format="json")
    second = operator.post(URL, cast(farm, fish_weighed=60, avg_weight_g=130, std_dev_weight_g=12), format="json")
    assert first.status_code == second.status_code == 201, second.content
    assert second.json()["day"] == {
        "id": first.json()["sample"],
        "sample_size": 100,
        "avg_weight_g": 126.0,
        "std_dev_weight_g": float(round((Decimal(14796) / 99).sqrt(), 2)),
        "casts": 2,
    }
    assert second.json()["assignment"] == farm.source.pk and second.json()["sample_date"] == day(12).isoformat()
    assert day_sample(farm)[:2] == (100, Decimal("126.00"))
    listed = operator.get(URL, {"assignment": farm.source.pk, "date_from": day(12).isoformat()}).json()
    assert [c["fish_weighed"] for c in listed["results"]] == [40, 60]
    assert {c["day"]["casts"] for c in listed["results"]} == {2}
    assert RecomputeMarker.objects.get(assignment=farm.source).dirty_from == day(12)


def test_a_double_click_with_one_idempotency_key_adds_the_cast_once(farm, operator):
    key = {"HTTP_IDEMPOTENCY_KEY": "pen-3-cast-1"}
    first = operator.post(URL, cast(farm), format="json", **key)
    again = operator.post(URL, cast(farm), format="json", **key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and json.loads(again.content) == first.json()
    assert GrowthSampleCast.objects.count() == 1 and day_sample(farm)[0] == 40


def test_weights_one_by_one_give_the_casts_figures(farm, operator):
    answer = operator.post(URL, cast(farm, weights_g=[100, 110, 120.004]), format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["fish_weighed"], body["avg_weight_g"], body["std_dev_weight_g"]) == (3, 110.0, 10.0)
    assert body["weights_g"] == [100.0, 110.0, 120.0]


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"avg_weight_g": 120}, "fish_weighed", "figures_or_weights"),
        ({"fish_weighed": 40}, "avg_weight_g", "figures_or_weights"),
        ({"weights_g": [100, 0]}, "weights_g.1", "min_value"),
        ({"weights_g": []}, "weights_g", "min_length"),
        ({"weights_g": [100, 110], "avg_weight_g": 120}, "avg_weight_g", "invalid"),
        ({"fish_weighed": 0, "avg_weight_g": 120}, "fish_weighed", "min_value"),
        ({"fish_weighed": 100_001, "avg_weight_g": 120}, "fish_weighed", "max_value"),
    ],
)
def test_bad_casts_are_refused_naming_the_field_and_nothing_is_saved(farm, operator, body, field, code):
    answer = operator.post(URL, cast(farm, **body), format="json")
    assert answer.status_code == 400
    assert errors_by_field(answer) == {field: code}
    assert not GrowthSampleCast.objects.exists() and not GrowthSample.objects.exists()


def test_a_cast_outside_the_assignments_days_names_the_day(farm, operator):
    answer = operator.post(URL, cast(farm, on=45), format="json")  # the source left on day 30
    assert answer.status_code == 400 and errors_by_field(answer) == {"sample_date": "invalid"}
    missing = operator.post(URL, {"fish_weighed": 40, "avg_weight_g": 120}, format="json")
    assert errors_by_field(missing) == {"assignment": "required", "sample_date": "required"}


def test_a_day_that_would_weigh_more_fish_than_a_sample_holds_names_the_casts_fish(farm, operator):
    assert operator.post(URL, cast(farm, fish_weighed=99_000, avg_weight_g=120), format="json").status_code == 201
    over = operator.post(URL, cast(farm, fish_weighed=2_000, avg_weight_g=120), format="json")
    assert errors_by_field(over) == {"fish_weighed": "day_limit"}
    assert day_sample(farm)[0] == 99_000


def test_editing_and_deleting_casts_moves_the_days_sample_and_the_last_one_takes_it_along(farm, operator):
    one = operator.post(URL, cast(farm, fish_weighed=40, avg_weight_g=120), format="json").json()
    two = operator.post(URL, cast(farm, fish_weighed=60, avg_weight_g=130), format="json").json()
    edited = operator.patch(f"{URL}{two['id']}/", {"avg_weight_g": 140}, format="json")
    assert edited.status_code == 200 and edited.json()["day"]["avg_weight_g"] == 132.0  # (4800 + 8400) / 100
    assert operator.delete(f"{URL}{one['id']}/").status_code == 204
    assert day_sample(farm)[:2] == (60, Decimal("140.00"))
    RecomputeMarker.objects.all().delete()
    assert operator.delete(f"{URL}{two['id']}/").status_code == 204
    assert day_sample(farm) is None
    assert RecomputeMarker.objects.get(assignment=farm.source).dirty_from == day(12)


def test_a_second_growth_sample_for_the_day_is_refused_and_says_to_post_a_cast(farm, operator):
    sample = {"assignment": farm.source.pk, "sample_date": day(12).isoformat(), "sample_size": 30, "avg_weight_g": 100}
    assert operator.post(SAMPLES, sample, format="json").status_code == 201
    again = operator.post(SAMPLES, sample, format="json")
    assert errors_by_field(again) == {"sample_date": "duplicate"}
    assert "growth-sample-casts" in again.json()["errors"][0]["detail"]
    assert GrowthSampleCast.objects.count() == 1  # the first sample is its own cast


def test_the_figures_of_a_day_of_several_casts_are_changed_through_its_casts(farm, operator):
    first = operator.post(URL, cast(farm, fish_weighed=40, avg_weight_g=120), format="json").json()
    operator.post(URL, cast(farm, fish_weighed=60, avg_weight_g=130), format="json")
    refused = operator.patch(f"{SAMPLES}{first['sample']}/", {"avg_weight_g": 90}, format="json")
    assert errors_by_field(refused) == {"avg_weight_g": "has_casts"}
    notes = operator.patch(f"{SAMPLES}{first['sample']}/", {"notes": "after feeding"}, format="json")
    assert notes.status_code == 200 and day_sample(farm)[:2] == (100, Decimal("126.00"))


def test_viewers_read_casts_but_do_not_write_them(farm, operator, viewer):
    operator.post(URL, cast(farm), format="json")
    assert viewer.get(URL).status_code == 200
    assert viewer.post(URL, cast(farm), format="json").status_code == 403
