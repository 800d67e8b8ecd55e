"""The pure forecast computation: growth segments, performance estimates and the banded projection.

No Django, no clock, no settings: plain frozen dataclasses in and out (docs/forecast.md).
"""

from apps.forecast.engine.estimates import (
    MortalityEstimate,
    Performance,
    TemperatureBias,
    mortality_estimate,
    performance_estimate,
    temperature_bias,
)
from apps.forecast.engine.projection import (
    Crossing,
    Projection,
    ProjectionStart,
    population_and_biomass,
    project,
    projections_total,
)
from apps.forecast.engine.segments import DayRow, Segment, segments_compute

__all__ = [
    "Crossing",
    "DayRow",
    "MortalityEstimate",
    "Performance",
    "Projection",
    "ProjectionStart",
    "Segment",
    "TemperatureBias",
    "mortality_estimate",
    "performance_estimate",
    "population_and_biomass",
    "project",
    "projections_total",
    "segments_compute",
    "temperature_bias",
]
