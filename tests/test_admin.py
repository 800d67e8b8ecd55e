"""Every admin changelist and add page renders for a staff user; a farm worker can record a sample."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.batch.models import GrowthSample
from tests.factories import AssignmentFactory, GrowthSampleFactory, MortalityEventFactory, ScenarioFactory

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-long-enough")
    client.force_login(user)
    return client


@pytest.fixture
def some_data(salmon):
    scenario = ScenarioFactory()
    assignment = AssignmentFactory(batch=scenario.batch)
    GrowthSampleFactory(assignment=assignment)
    MortalityEventFactory(assignment=assignment)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_the_changelist_renders(staff_client, some_data, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_the_add_page_renders_or_is_closed_for_computed_rows(staff_client, salmon, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    computed = (
        "actualdailyassignmentstate",
        "verificationrun",
        "markcause",
        "statemove",
        "alert",
    )  # the history's: read only
    expected = 403 if model._meta.model_name in computed else 200
    assert staff_client.get(url).status_code == expected


def test_a_growth_sample_recorded_in_the_admin_is_saved(staff_client, salmon):
    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1))
    response = staff_client.post(
        reverse("admin:batch_growthsample_add"),
        {
            "assignment": assignment.pk,
            "sample_date": "2024-01-10",
            "sample_size": 30,
            "avg_weight_g": "123.45",
            "notes": "",
            "casts-TOTAL_FORMS": 0,  # the casts inline (issue 21), left empty
            "casts-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content
    assert GrowthSample.objects.get().avg_weight_g == Decimal("123.45")


def test_the_admin_refuses_a_sample_outside_the_assignment_and_names_the_field(staff_client, salmon):
    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1))
    response = staff_client.post(
        reverse("admin:batch_growthsample_add"),
        {
            "assignment": assignment.pk,
            "sample_date": "2023-12-01",
            "sample_size": 30,
            "avg_weight_g": "123.45",
            "notes": "",
            "casts-TOTAL_FORMS": 0,  # the casts inline (issue 21), left empty
            "casts-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "outside the assignment" in response.context["adminform"].form.errors["sample_date"][0]
    assert GrowthSample.objects.count() == 0


def test_the_admin_refuses_more_deaths_than_the_fish_placed_and_names_the_field(staff_client, salmon):
    from apps.batch.models import MortalityEvent

    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1), placement_count=500)
    response = staff_client.post(
        reverse("admin:batch_mortalityevent_add"),
        {"assignment": assignment.pk, "event_date": "2024-01-05", "count": 501, "cause": "UNKNOWN", "notes": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["count"] == [
        "501 deaths, but the assignment holds 500 fish on 2024-01-05."
    ]
    assert not MortalityEvent.objects.exists()


def test_the_admin_refuses_a_second_sample_of_the_day(staff_client, salmon):
    sample = GrowthSampleFactory(
        assignment=AssignmentFactory(assignment_date=dt.date(2024, 1, 1)), sample_date=dt.date(2024, 1, 10)
    )
    response = staff_client.post(
        reverse("admin:batch_growthsample_add"),
        {
            "assignment": sample.assignment_id,
            "sample_date": "2024-01-10",
            "sample_size": 30,
            "avg_weight_g": "123.45",
            "notes": "",
            "casts-TOTAL_FORMS": 0,  # the casts inline (issue 21), left empty
            "casts-INITIAL_FORMS": 0,
        },
    )
    assert (
        response.status_code == 200
        and "already has a growth sample" in response.context["adminform"].form.errors["sample_date"][0]
    )
    assert GrowthSample.objects.count() == 1


def test_the_admin_refuses_a_temperature_outside_the_parameters_range(staff_client, salmon):
    from apps.environmental.models import EnvironmentalReading
    from tests.factories import ContainerFactory, temperature_parameter

    response = staff_client.post(
        reverse("admin:environmental_environmentalreading_add"),
        {
            "container": ContainerFactory().pk,
            "parameter": temperature_parameter().pk,
            "reading_time_0": "2024-01-05",
            "reading_time_1": "12:00:00",
            "value": "50001",
        },
    )
    assert response.status_code == 200 and "outside the range" in response.context["adminform"].form.errors["value"][0]
    assert not EnvironmentalReading.objects.exists()


def test_the_admin_offers_no_delete_for_a_transfer_whose_fish_later_died(staff_client, salmon):
    from apps.batch.models import TransferAction
    from tests.factories import TransferFactory

    transfer = TransferFactory(transferred_count=1000)
    MortalityEventFactory(assignment=transfer.dest_assignment, event_date=transfer.actual_execution_date, count=1)
    url = reverse("admin:batch_transferaction_delete", args=[transfer.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert TransferAction.objects.count() == 1


def cast_form(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": initial}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_a_sampling_day_entered_as_casts_in_the_admin_is_their_aggregate(staff_client, salmon):
    """Issue 21: the casts inline on the growth sample; the sample's figures are theirs, an edit of a cast
    follows, and figures typed over a day of several casts are refused on their field."""
    from apps.batch.models import GrowthSampleCast

    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1))
    day = {"assignment": assignment.pk, "sample_date": "2024-01-10", "notes": ""}
    casts = [
        {"fish_weighed": 40, "avg_weight_g": "120", "std_dev_weight_g": "", "notes": ""},
        {"fish_weighed": 60, "avg_weight_g": "130", "std_dev_weight_g": "", "notes": ""},
    ]
    added = staff_client.post(
        reverse("admin:batch_growthsample_add"),
        {**day, "sample_size": 1, "avg_weight_g": "1", **cast_form("casts", casts)},
    )
    assert added.status_code == 302, added.context and added.context["adminform"].form.errors
    sample = GrowthSample.objects.get()
    assert (sample.sample_size, sample.avg_weight_g) == (100, Decimal("126.00"))
    ids = list(GrowthSampleCast.objects.order_by("pk").values_list("pk", flat=True))
    edited = [{**c, "id": pk, "sample": sample.pk} for c, pk in zip(casts, ids, strict=True)]
    edited[1]["avg_weight_g"] = "140"
    url = reverse("admin:batch_growthsample_change", args=[sample.pk])
    changed = staff_client.post(
        url, {**day, "sample_size": 100, "avg_weight_g": "126.00", **cast_form("casts", edited, initial=2)}
    )
    assert changed.status_code == 302
    sample.refresh_from_db()
    assert (sample.sample_size, sample.avg_weight_g) == (100, Decimal("132.00"))
    refused = staff_client.post(
        url, {**day, "sample_size": 100, "avg_weight_g": "90", **cast_form("casts", edited, initial=2)}
    )
    assert refused.status_code == 200
    assert "casts" in refused.context["adminform"].form.errors["avg_weight_g"][0]
    emptied = [{**c, "DELETE": "on"} for c in edited]
    kept = staff_client.post(
        url, {**day, "sample_size": 100, "avg_weight_g": "132.00", **cast_form("casts", emptied, initial=2)}
    )
    assert kept.status_code == 200 and GrowthSampleCast.objects.count() == 2


def test_a_growth_sample_added_in_the_admin_without_casts_is_its_own_cast(staff_client, salmon):
    from apps.batch.models import GrowthSampleCast

    assignment = AssignmentFactory(assignment_date=dt.date(2024, 1, 1))
    body = {"assignment": assignment.pk, "sample_date": "2024-01-10", "sample_size": 30, "avg_weight_g": "123.45"}
    response = staff_client.post(reverse("admin:batch_growthsample_add"), {**body, **cast_form("casts", [])})
    assert response.status_code == 302
    assert list(GrowthSampleCast.objects.values_list("fish_weighed", "avg_weight_g")) == [(30, Decimal("123.45"))]


def _farm_of(size: int) -> None:
    """``size`` batches, each with a scenario, a completed transfer between two assignments, a sample, a death,
    a feeding, a treatment, a reading and computed states (so that every busy changelist has rows)."""
    from apps.recompute.run import batch_recompute
    from tests.factories import FeedingEventFactory, TransferFactory, TreatmentFactory, reading

    for _ in range(size):
        scenario = ScenarioFactory(batch__start_date=dt.date(2024, 1, 1))
        transfer = TransferFactory(
            source_assignment__batch=scenario.batch,
            dest_assignment__assignment_date=dt.date(2024, 1, 20),
            planned_date=dt.date(2024, 1, 20),
            transferred_count=100,
        )
        source, dest = transfer.source_assignment, transfer.dest_assignment
        type(source).objects.filter(pk=source.pk).update(departure_date=dt.date(2024, 1, 20))
        GrowthSampleFactory(assignment=source, sample_date=dt.date(2024, 1, 5))
        MortalityEventFactory(assignment=dest, event_date=dt.date(2024, 1, 25), count=3)
        FeedingEventFactory(assignment=dest, feeding_date=dt.date(2024, 1, 25))
        TreatmentFactory(assignment=dest, treatment_date=dt.date(2024, 1, 26))
        reading(dest.container, dt.datetime(2024, 1, 25, 6, tzinfo=dt.UTC), 8.5)
        assert batch_recompute(batch_id=scenario.batch_id, today=dt.date(2024, 2, 10)).ok


def _changelist_queries(client, model) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_no_changelist_costs_more_queries_for_more_rows(staff_client, salmon):
    """No N+1: every changelist's statements are the same for a farm of one batch and of four (each row's
    labels come with it: list_select_related), and none needs more than a handful."""
    _farm_of(1)
    small = {m._meta.label: _changelist_queries(staff_client, m) for m in MODELS}
    _farm_of(3)
    big = {m._meta.label: _changelist_queries(staff_client, m) for m in MODELS}
    assert big == small
    assert max(small.values()) <= CHANGELIST_MAX_QUERIES, small


# a fixed handful: the planned activities list pays 13 (its filters, the scope, the authors)
CHANGELIST_MAX_QUERIES = 14


def test_the_state_list_filters_by_anchor_kind_and_container_without_reading_every_row(staff_client, salmon):
    from apps.batch.models import ActualDailyAssignmentState

    _farm_of(2)
    url = reverse("admin:batch_actualdailyassignmentstate_changelist")
    sampled = staff_client.get(url, {"anchor_type": "growth_sample"}).context["cl"].result_list
    expected = ActualDailyAssignmentState.objects.filter(anchor_type="growth_sample")
    assert sorted(s.pk for s in sampled) == sorted(expected.values_list("pk", flat=True)) and expected.exists()
    unanchored = staff_client.get(url, {"anchor_type": "none"}).context["cl"].result_list
    assert unanchored and all(s.anchor_type is None for s in unanchored)
    container = expected.first().assignment.container
    page = staff_client.get(url, {"assignment_container_id": container.pk})
    assert {s.assignment.container_id for s in page.context["cl"].result_list} == {container.pk}
    assert f"{container.name} · {container.site.name}" in page.content.decode()  # listed: it has states


def test_the_container_and_batch_filters_are_drop_downs_that_keep_the_other_filters(staff_client, salmon):
    """The filters of hundreds or thousands of choices (containers, batches, sites) render as one <select> each
    (issue 21: a link per container cost ≈ 100 ms a changelist at national scale), their options every choice
    once, the chosen one selected, and the changelist's other parameters as hidden fields (not the page)."""
    import re

    from apps.batch.models import ActualDailyAssignmentState, Batch
    from apps.infrastructure.models import Container

    _farm_of(2)
    state = ActualDailyAssignmentState.objects.filter(anchor_type="growth_sample").first()
    container = state.assignment.container
    url = reverse("admin:batch_actualdailyassignmentstate_changelist")
    page = staff_client.get(url, {"anchor_type": "growth_sample", "assignment_container_id": container.pk, "p": 1})
    html = page.content.decode()
    forms = {
        re.search(r'<select name="([^"]+)"', f).group(1): f
        for f in re.findall(r'<form method="get" class="select-filter">.*?</form>', html, re.S)
    }
    form = forms["assignment_container_id"]
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', form)
    with_states = Container.objects.filter(assignments__daily_states__isnull=False).distinct()
    assert sorted(int(v) for v, _, _ in options) == sorted(with_states.values_list("pk", flat=True))
    assert [(int(v), label) for v, chosen, label in options if chosen] == [
        (container.pk, f"{container.name} · {container.site.name}")
    ]
    assert '<input type="hidden" name="anchor_type" value="growth_sample">' in form
    assert 'name="p"' not in form
    batch_form = forms["batch__id__exact"]
    batch_options = re.findall(r'<option value="(\d+)"', batch_form)
    assert sorted(int(v) for v in batch_options) == sorted(Batch.objects.values_list("pk", flat=True))
    assert f'<input type="hidden" name="assignment_container_id" value="{container.pk}">' in batch_form
    chosen = staff_client.get(url, {"batch__id__exact": state.batch_id, "anchor_type": "growth_sample"})
    assert {s.batch_id for s in chosen.context["cl"].result_list} == {state.batch_id}
    every = staff_client.get(
        url, {"batch__id__exact": "", "assignment_container_id": "", "anchor_type": "growth_sample"}
    )
    assert every.status_code == 200  # "All" submits the parameters empty: no filter, no lookup error (?e=1)
    assert {s.batch_id for s in every.context["cl"].result_list} == set(Batch.objects.values_list("pk", flat=True))
