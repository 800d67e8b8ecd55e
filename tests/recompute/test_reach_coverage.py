"""Every column a recompute reads is covered by a reach rule (or ignored with a reason): a new dependency of the
loader without a rule fails here, before it can leave stored states stale."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.batch.models import ActualDailyAssignmentState
from apps.batch.services.inputs import batch_inputs_load
from apps.batch.services.recompute import batch_compute
from apps.recompute.reach import IGNORED, rules
from apps.scenario import models as m
from tests.batch.scenarios import START, farm_with_transfer
from tests.factories import (
    FeedingEventFactory,
    GrowthSampleFactory,
    MortalityEventFactory,
    TreatmentFactory,
    reading,
    stage,
)

pytestmark = pytest.mark.django_db
COLUMN = re.compile(r'"(\w+)"\."(\w+)"')
OUTPUT = {ActualDailyAssignmentState._meta.db_table}  # the recompute's own rows, read back to restart from


def columns_read(batch_id: int, from_dates=None) -> set[str]:
    """``app_label.Model.attname`` of every column the load and computation of a recompute touch."""
    tables = {model._meta.db_table: model for model in apps.get_models()}
    with CaptureQueriesContext(connection) as queries:
        inputs = batch_inputs_load(batch_id=batch_id, today=START + dt.timedelta(days=80), from_dates=from_dates)
        batch_compute(inputs)
    read = set()
    for query in queries.captured_queries:
        for table, column in COLUMN.findall(query["sql"]):
            if table in tables and table not in OUTPUT:
                model = tables[table]
                field = next(f for f in model._meta.concrete_fields if f.column == column)
                if not field.primary_key:  # identities never change
                    read.add(f"{model._meta.label}.{field.attname}")
    return read


@pytest.fixture
def busy_farm(salmon):
    """One batch with every kind of record the engine reads."""
    scenario, source, dest, transfer = farm_with_transfer(days=60, transfer_day=30, measured=Decimal("130"))
    fcr = m.FCRModel.objects.create(name="FCR")
    m.FCRModelStage.objects.create(model=fcr, lifecycle_stage=stage("Smolt"), fcr_value=1.1)
    m.TGCStageOverride.objects.create(model=scenario.tgc_model, lifecycle_stage=stage("Smolt"), tgc_value=2.7)
    m.MortalityStageOverride.objects.create(
        model=scenario.mortality_model, lifecycle_stage=stage("Smolt"), rate_percent=0.02
    )
    scenario.fcr_model = fcr
    scenario.save()
    GrowthSampleFactory(assignment=source, sample_date=START + dt.timedelta(days=10))
    MortalityEventFactory(assignment=source, event_date=START + dt.timedelta(days=11))
    FeedingEventFactory(assignment=source, feeding_date=START + dt.timedelta(days=12))
    TreatmentFactory(assignment=dest, treatment_date=START + dt.timedelta(days=40))
    reading(source.container, dt.datetime(2024, 1, 5, 12, tzinfo=dt.UTC), 9.0)
    return scenario, source, dest


def test_every_column_a_full_recompute_reads_has_a_reach_rule(busy_farm):
    scenario, _, _ = busy_farm
    read = columns_read(scenario.batch_id)
    covered = {f"{label}.{field}" for label, rule in rules().items() for field in rule.fields}
    assert {"batch.GrowthSample.avg_weight_g", "environmental.EnvironmentalParameter.code"} <= read  # it sees reads
    assert sorted(read - covered - IGNORED.keys()) == []


def test_a_windowed_recompute_reads_no_column_a_full_one_does_not(busy_farm):
    scenario, source, dest = busy_farm
    windowed = columns_read(scenario.batch_id, {source.pk: START + dt.timedelta(days=20)})
    assert windowed <= columns_read(scenario.batch_id)


def test_every_rule_names_real_fields_of_its_model():
    for label, rule in rules().items():
        names = {f.attname for f in apps.get_model(label)._meta.concrete_fields}
        assert set(rule.fields) <= names, label
