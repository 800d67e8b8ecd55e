"""Writes of the planning app: ``completion`` (record the real event and close the activity) and ``templates``
(plan activities from the stored projections). Kept apart: the recompute imports ``templates``, and
``completion`` imports the recording services, which the recompute's imports must not reach."""
