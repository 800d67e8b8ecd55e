"""Issue 16, case 6: a client generated from the schema works the first time.

openapi-python-client (requirements-dev.txt) generates a Python client from ``/api/schema/`` into a temporary
folder; the test imports it and, against a live server, logs in for a token, lists the batches, records a growth
sample, reads the growth data in both shapes and meets a refusal, all through the generated functions and
classes (typed: the sample's weight is a float both ways, the growth data's rows are classes, not dicts)."""

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.recompute.run import batch_recompute
from tests.factories import AssignmentFactory, GrowthSampleFactory, ScenarioFactory

PASSWORD = "a-long-enough-password"


@pytest.fixture(scope="module")
def client_package(tmp_path_factory):
    """The generated client's package, imported (``aquamind_client``)."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "schema.json").write_text(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    tools = os.path.dirname(sys.executable)  # openapi-python-client and the ruff it runs on its output
    result = subprocess.run(
        [os.path.join(tools, "openapi-python-client"), "generate", "--path", "schema.json", "--meta", "none",
         "--output-path", "aquamind_client"],
        cwd=folder, env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # every operation and model generated
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("aquamind_client")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == "aquamind_client" or n.startswith("aquamind_client.")]:
            del sys.modules[name]


@pytest.fixture
def farm(transactional_db, django_user_model):
    """A batch holding fish today (placed 40 days ago at 100 g in one tank), and an operator."""
    start = timezone.localdate() - dt.timedelta(days=39)
    scenario = ScenarioFactory(batch__start_date=start)
    tank = AssignmentFactory(batch=scenario.batch, assignment_date=start)
    GrowthSampleFactory(assignment=tank, sample_date=start + dt.timedelta(days=10), avg_weight_g=Decimal("120.00"))
    batch_recompute(batch_id=scenario.batch_id)
    user = django_user_model.objects.create_user("farmhand", password=PASSWORD)
    user.groups.add(Group.objects.get(name="operator"))
    return scenario.batch, tank


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_logs_in_lists_records_and_reads_the_growth_data(client_package, live_server, farm):
    batch, tank = farm
    from aquamind_client import AuthenticatedClient, Client
    from aquamind_client.api.auth import auth_token_create
    from aquamind_client.api.batch import (
        batch_batches_combined_growth_data_retrieve as growth_data,
    )
    from aquamind_client.api.batch import (
        batch_batches_list,
        batch_growth_samples_create,
    )
    from aquamind_client.models import (
        AuthTokenRequest,
        BatchBatchesCombinedGrowthDataRetrieveShape,
        BatchGrowthSamplesCreateResponse400,
        GrowthColumns,
        GrowthRows,
        GrowthSample,
        GrowthSampleRequest,
    )
    from aquamind_client.models import (
        BatchGrowthSamplesCreateResponse400ErrorsItemCode as RefusalCode,
    )

    token = auth_token_create.sync(
        client=Client(live_server.url), body=AuthTokenRequest(username="farmhand", password=PASSWORD)
    )
    api = AuthenticatedClient(live_server.url, token=token.token, prefix="Token")  # the prefix the schema names

    batches = batch_batches_list.sync(client=api)
    assert batches.count == 1 and [b.batch_number for b in batches.results] == [batch.batch_number]

    today = timezone.localdate()
    body = GrowthSampleRequest(assignment=tank.pk, sample_date=today, sample_size=40, avg_weight_g=412.35)
    sample = batch_growth_samples_create.sync(client=api, body=body)
    assert isinstance(sample, GrowthSample)
    assert (sample.sample_date, sample.avg_weight_g, sample.sample_size) == (today, 412.35, 40)  # a float back

    batch_recompute(batch_id=batch.pk)  # what the worker does after the commit
    rows = growth_data.sync(id=batch.pk, client=api)
    assert isinstance(rows, GrowthRows)
    assert [(s.sample_date, s.avg_weight_g) for s in rows.growth_samples][-1] == (today, 412.35)
    last = rows.actual_daily_states[-1]  # recomputed after the commit: today's state is the sample's weight
    assert (last.date, last.avg_weight_g, last.anchor_type) == (today, 412.35, "growth_sample")
    assert last.sources.additional_properties["weight"] == "measured" and rows.recompute_status.last_error is None
    total = rows.projection.total  # the live projection (refreshed by the worker's drain, not asserted here)
    assert isinstance(total.as_of_date, dt.date) and len(total.series.weight_g.p50) == total.days > 0

    columns = growth_data.sync(id=batch.pk, client=api, shape=BatchBatchesCombinedGrowthDataRetrieveShape.COLUMNAR)
    assert isinstance(columns, GrowthColumns)
    assert columns.growth_samples.avg_weight_g == [120.0, 412.35]
    assert columns.batch_totals.date[-1] == today and columns.batch_totals.avg_weight_g[-1] == 412.35
    assert len(columns.forecast.date) == len(columns.forecast.avg_weight_g.p90) and isinstance(
        columns.forecast.date[0], dt.date
    )

    twice = batch_growth_samples_create.sync(client=api, body=body)  # one sample per assignment and day
    assert isinstance(twice, BatchGrowthSamplesCreateResponse400)  # the operation's error shape, its codes an enum
    assert [(e.field, e.code) for e in twice.errors] == [("sample_date", RefusalCode.DUPLICATE)]
