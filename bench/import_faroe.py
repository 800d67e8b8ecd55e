"""Import benchmark (issue 19): the faroe demo farm's complete history exported to files, then imported into an
empty database and recomputed; target ≤ 60 s for the import (read, dry run, write, one drain).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aquamind_bench .venv/bin/python bench/import_faroe.py

The source is the benchmark database: the faroe preset (seed 1, today 2026-06-30) is generated and recomputed
there unless its batches exist. Its history is exported with ``export_farm`` (timed), a second database
``<name>_import`` is dropped, created and migrated (untimed), and ``path_import`` runs there in a child process
with a progress bar (tqdm) on the terminal: the dry run over every row, the one transaction, the marks and the
drain of every batch. The child prints its phases' times and a digest of the daily states by natural key; the
parent compares it with the source's, so the round trip is checked on the national-sized farm too.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench import harness  # noqa: E402

TARGET_SECONDS = 60.0
SEED, PRESET, TODAY = 1, "faroe", dt.date(2026, 6, 30)


def states_digest() -> tuple[int, str]:
    """(rows, sha256) of every daily state by natural key, without ids or computing times."""
    from apps.batch.models import ActualDailyAssignmentState
    from apps.farmio.exporting import STATE_FIELDS

    rows = sorted(ActualDailyAssignmentState.objects.values_list(*STATE_FIELDS).iterator(chunk_size=10000))
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return len(rows), digest.hexdigest()


def history_counts() -> dict[str, int]:
    """The records the import made and their "insert" history rows (every one must have its own)."""
    from django.apps import apps

    from apps.audit.models import HistoryEvent
    from apps.farmio import kinds as K

    events = [m for m in apps.get_app_config("audit").get_models() if issubclass(m, HistoryEvent)]
    return {
        "records": sum(k.model.objects.count() for k in K.KINDS),
        "history_inserts": sum(m.objects.filter(pgh_label="insert").count() for m in events),
    }


def child(folder: Path, *, history_bulk: bool = True) -> None:
    """Runs in the empty target database: the import, timed, with a progress bar."""
    harness.django_setup()
    from tqdm import tqdm

    from apps.farmio.importing import path_import

    bars: dict[str, tqdm] = {}

    def progress(phase: str, done: int, total: int | None = None) -> None:
        if phase not in bars:
            bars[phase] = tqdm(
                total=total, desc=phase, unit="batch" if phase == "recompute" else "row", file=sys.stderr
            )
        bars[phase].update(done)

    cpu = time.process_time()
    started = time.perf_counter()
    result = path_import(folder, dry_run=False, progress=progress, history_bulk=history_bulk)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    for bar in bars.values():
        bar.close()
    if not result.ok:
        sys.exit(f"import refused: {[p.as_dict() for p in result.problems[:5]]}")
    rows, digest = states_digest()
    history = history_counts()
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "rows": result.rows,
                "phases": result.seconds,
                "assignments_marked": result.assignments_marked,
                "batches": result.batches_recomputed,
                "state_rows": result.state_rows,
                "recompute_errors": result.recompute_errors,
                "states": rows,
                "digest": digest,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                **history,
            }
        )
    )


def _farm_ensure() -> None:
    from django.core.management import call_command

    from apps.batch.models import ActualDailyAssignmentState, Batch

    if not Batch.objects.exists():
        from apps.demo.farm import demo_data_generate

        demo_data_generate(seed=SEED, preset=PRESET, today=TODAY, truth_out=None)
    if not ActualDailyAssignmentState.objects.exists():
        call_command("recompute_recent_daily_states", "--all", "--sync")


def _target_url(source: str) -> str:
    base, _, name = source.rpartition("/")
    return f"{base}/{name}_import"


def _target_recreate(url: str) -> None:
    """Drop, create and migrate the empty target database (untimed)."""
    from django.db import connection

    name = url.rpartition("/")[2]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    env = os.environ | {"DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=harness.REPO_ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--triggers", action="store_true", help="new rows' history by their row triggers (the old path), not in bulk"
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, history_bulk=not args.triggers)
        return
    harness.django_setup()
    harness.machine_print()
    _farm_ensure()
    from apps.farmio.exporting import export_folder

    with tempfile.TemporaryDirectory(prefix="import_faroe_") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        counts = export_folder(folder)
        exported = time.perf_counter() - started
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"export: {sum(counts.values()):,} rows, {len(counts)} files, {size / 1e6:.1f} MB in {exported:.1f} s")
        for kind, n in counts.items():
            if n:
                print(f"  {kind:<26} {n:>8,}")
        source_rows, source_digest = states_digest()
        url = _target_url(os.environ["DATABASE_URL"])
        _target_recreate(url)
        env = os.environ | {"DATABASE_URL": url}
        load_before = os.getloadavg()
        done = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                str(folder),
                *(["--triggers"] if args.triggers else []),
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        load_after = os.getloadavg()
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in figures["phases"].items())
    print(
        f"\nimport into an empty database: {figures['rows']:,} rows in {figures['wall']:.1f} s wall "
        f"({figures['cpu']:.1f} s CPU in the importing process; {phases}); "
        f"{figures['rows'] / figures['wall']:,.0f} rows/s; peak memory {figures['max_rss_mb']:.0f} MB"
    )
    print(
        f"recompute: {figures['batches']} batches, {figures['assignments_marked']} assignments marked, "
        f"{figures['state_rows']:,} daily states, {figures['recompute_errors']} errors"
    )
    print(f"load before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    print(f"history: {figures['history_inserts']:,} insert events for {figures['records']:,} records")
    print(f"history of new rows: {'row triggers' if args.triggers else 'in bulk (INSERT … SELECT per table)'}")
    same = (figures["states"], figures["digest"]) == (source_rows, source_digest)
    print(f"daily states: {figures['states']:,} imported vs {source_rows:,} source; row for row the same: {same}")
    verdict = "met" if figures["wall"] <= TARGET_SECONDS else "MISSED"
    print(f"target ≤ {TARGET_SECONDS:.0f} s: {verdict}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
