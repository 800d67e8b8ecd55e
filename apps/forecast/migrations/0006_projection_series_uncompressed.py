"""The projections' series stored uncompressed (PostgreSQL's EXTERNAL storage).

Every recompute rewrites its batch's projections, a few kilobytes of JSON each, and compressing them cost about a
quarter of their write (docs/benchmarks.md "Forecast refresh"); the table holds one row per active assignment,
so the space this gives up is a few megabytes on the largest farm. New values only: rows written before keep
their compression until their next recompute rewrites them.
"""

from django.db import migrations

TABLE, COLUMN = "forecast_projection", "series"


def _storage(storage: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {COLUMN} SET STORAGE {storage}")

    return run


class Migration(migrations.Migration):
    dependencies = [("forecast", "0005_learned_option_longer")]

    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]
