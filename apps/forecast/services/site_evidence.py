"""The site level of the performance fallback (docs/forecast.md "The site level"): the segments of every batch in
the site's containers, read only when a batch's own segments give no ratio."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

from apps.forecast.engine.estimates import SegmentEvidence, performance_evidence_enough
from apps.forecast.models import GrowthSegment

if TYPE_CHECKING:
    from apps.batch.services.loading import AssignmentRecord


def site_evidence_if_needed(
    *, assignments: Iterable[AssignmentRecord], batch: list[SegmentEvidence], as_of: dt.date, since: dt.date
) -> dict[int, list[SegmentEvidence]]:
    """The site segments (by site id) of ``assignments``' sites ending ``since`` … ``as_of``; none (and no query)
    when the batch's segments ``batch`` already give a ratio, as the fallback then never reaches the site."""
    if performance_evidence_enough(as_of, [e for e in batch if e.end_date >= since]):
        return {}
    site_ids = {a.site_id for a in assignments if a.site_id is not None}
    return site_segment_evidence(site_ids=site_ids, since=since, until=as_of) if site_ids else {}


def site_segment_evidence(*, site_ids: Iterable[int], since: dt.date, until: dt.date) -> dict[int, list[SegmentEvidence]]:
    """Every segment with a ratio of an assignment in a container of ``site_ids``, ending ``since`` … ``until``,
    by site and end date (one query)."""
    rows = (
        GrowthSegment.objects.filter(
            assignment__container__site_id__in=list(site_ids), end_date__gte=since, end_date__lte=until,
            performance_ratio__isnull=False,
        )
        .order_by("assignment__container__site_id", "end_date", "id")
        .values_list("assignment__container__site_id", "end_date", "degree_days", "performance_ratio")
    )
    evidence: dict[int, list[SegmentEvidence]] = defaultdict(list)
    for site_id, end, degree_days, ratio in rows:
        evidence[site_id].append(SegmentEvidence(end_date=end, degree_days=degree_days, ratio=ratio))
    return dict(evidence)
