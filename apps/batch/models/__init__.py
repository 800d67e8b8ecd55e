from .casts import GrowthSampleCast
from .domain import (
    Batch,
    BatchContainerAssignment,
    GrowthSample,
    LifeCycleStage,
    MortalityEvent,
    Species,
    TransferAction,
)
from .recompute import FailedRecompute, RecomputeMarker, RecomputeRun, VerificationRun, WorkerHeartbeat
from .states import ActualDailyAssignmentState

__all__ = [
    "ActualDailyAssignmentState",
    "Batch",
    "BatchContainerAssignment",
    "FailedRecompute",
    "GrowthSample",
    "GrowthSampleCast",
    "LifeCycleStage",
    "MortalityEvent",
    "RecomputeMarker",
    "RecomputeRun",
    "Species",
    "TransferAction",
    "VerificationRun",
    "WorkerHeartbeat",
]
