"""The site level of the performance fallback (docs/forecast.md "The site level"): the segments of every batch in
the site's containers, read only when a batch's own segments give no ratio."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from apps.forecast.engine.estimates import SegmentEvidence
from apps.forecast.models import GrowthSegment


def site_segment_evidence(
    *, site_ids: Iterable[int], since: dt.date, until: dt.date
) -> dict[int, list[SegmentEvidence]]:
    """Every segment with a ratio of an assignment in a container of ``site_ids``, ending ``since`` … ``until``,
    by site and end date (one query)."""
    rows = (
        GrowthSegment.objects.filter(
            assignment__container__site_id__in=list(site_ids),
            end_date__gte=since,
            end_date__lte=until,
            performance_ratio__isnull=False,
        )
        .order_by("assignment__container__site_id", "end_date", "id")
        .values_list("assignment__container__site_id", "end_date", "degree_days", "performance_ratio")
    )
    evidence: dict[int, list[SegmentEvidence]] = defaultdict(list)
    for site_id, end, degree_days, ratio in rows:
        evidence[site_id].append(SegmentEvidence(end_date=end, degree_days=degree_days, ratio=ratio))
    return dict(evidence)
