"""The growth assimilation engine: a pure function from recorded data to daily states (docs/engine.md).

No Django, no clock, no settings: frozen dataclasses in, a list of ``DayResult`` out.
"""

from apps.batch.engine.core import compute_assignment
from apps.batch.engine.growth import transfer_anchor_weight
from apps.batch.engine.population import daily_rate_from_weekly
from apps.batch.engine.projection import project_scenario
from apps.batch.engine.types import (
    ANCHOR_GROWTH_SAMPLE,
    ANCHOR_TRANSFER,
    ANCHOR_VACCINATION,
    Anchor,
    AssignmentInputs,
    DayResult,
    ModelParams,
    Stage,
    StartState,
)

__all__ = [
    "ANCHOR_GROWTH_SAMPLE",
    "ANCHOR_TRANSFER",
    "ANCHOR_VACCINATION",
    "Anchor",
    "AssignmentInputs",
    "DayResult",
    "ModelParams",
    "Stage",
    "StartState",
    "compute_assignment",
    "daily_rate_from_weekly",
    "project_scenario",
    "transfer_anchor_weight",
]
