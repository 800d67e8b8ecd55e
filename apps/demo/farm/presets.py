"""Sizes of the demo farm. A preset fixes the shape; the seed fixes every random draw."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    """How many batches, how they are staggered, and how many containers each life phase uses.

    Batch starts are spread evenly from ``oldest_age_days`` to ``newest_age_days`` before today. A batch's
    fish go from ``trays`` hatchery trays to ``fry_tanks``, then ``parr_tanks`` (``parr_splits`` of them
    later hand part of their fish to a new tank), ``smolt_tanks``, and ``pens`` sea pens on one site
    (``pen_splits`` of them later split into a new pen). Each container is sampled every
    ``sample_interval_days`` (by pool), a sampling weighing ``casts_per_sample`` casts of 20-100 fish,
    each cast one growth sample.
    """

    name: str
    batches: int
    oldest_age_days: int
    newest_age_days: int
    trays: int
    fry_tanks: int
    parr_tanks: int
    parr_splits: int
    smolt_tanks: int
    pens: int
    pen_splits: int
    pens_per_site: int
    eggs_per_tray: tuple[int, int]
    casts_per_sample: tuple[int, int]
    sample_interval_days: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"tray": (21, 28), "fry": (8, 12), "parr": (7, 12), "smolt": (7, 12), "sea": (7, 13)}
    )
    long_gap_in_every_container: bool = False


PRESETS = {
    # three batches: one harvested, one at sea after its pen split, one in parr tanks
    "small": Preset(
        name="small",
        batches=3,
        oldest_age_days=1000,
        newest_age_days=260,
        trays=1,
        fry_tanks=1,
        parr_tanks=2,
        parr_splits=1,
        smolt_tanks=1,
        pens=2,
        pen_splits=1,
        pens_per_site=4,
        eggs_per_tray=(40_000, 60_000),
        casts_per_sample=(1, 2),
        sample_interval_days={"tray": (14, 28), "fry": (7, 21), "parr": (7, 21), "smolt": (7, 21), "sea": (14, 28)},
        long_gap_in_every_container=True,
    ),
    # about 33 batches, 456 assignments and 45,772 growth samples (docs/demo-data.md)
    "faroe": Preset(
        name="faroe",
        batches=33,
        oldest_age_days=1110,
        newest_age_days=30,
        trays=2,
        fry_tanks=2,
        parr_tanks=3,
        parr_splits=1,
        smolt_tanks=3,
        pens=5,
        pen_splits=2,
        pens_per_site=8,
        eggs_per_tray=(180_000, 260_000),
        casts_per_sample=(5, 9),
    ),
}
# ten faroe farms' worth of batches on the same plan (about 1,800 containers and 700,000 daily states):
# the national-scale benchmark's farm (docs/benchmarks.md "National scale")
PRESETS["national"] = dataclasses.replace(PRESETS["faroe"], name="national", batches=330)


def preset_get(name: str, *, batches: int | None = None) -> Preset:
    """The named preset, with its batch count replaced when ``batches`` is given.

    Raises ValueError for an unknown name or fewer than one batch.
    """
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    if batches is None:
        return PRESETS[name]
    if batches < 1:
        raise ValueError("The number of batches must be at least 1.")
    return dataclasses.replace(PRESETS[name], batches=batches)
