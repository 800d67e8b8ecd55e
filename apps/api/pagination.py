"""Page-number pagination whose parameters are validated like every other input (docs/api.md §Endpoints)."""

from __future__ import annotations

import re

from django.core.paginator import InvalidPage
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination

_DIGITS = re.compile(r"[0-9]{1,18}")
MAX_PAGE = 10**9


def positive_int(request, name: str, *, maximum: int | None = None) -> int | None:
    """The query parameter ``name`` as a whole number ≥ 1 (and ≤ ``maximum``), None when absent; else a 400
    naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _DIGITS.fullmatch(raw) or int(raw) < 1:
        raise exceptions.ValidationError(
            {name: [exceptions.ErrorDetail(f"{raw!r} is not a whole number of at least 1.", code="invalid")]}
        )
    if maximum is not None and int(raw) > maximum:
        raise exceptions.ValidationError({name: [exceptions.ErrorDetail(f"At most {maximum}.", code="max_value")]})
    return int(raw)


class PageNumberPagination(BasePageNumberPagination):
    """``?page=N`` (PAGE_SIZE rows, 100) and ``?page_size=`` up to 1000 for bulk readers such as the chart.
    A malformed value, or a page past the last one, is a 400 naming the parameter."""

    page_size_query_param = "page_size"
    max_page_size = 1000
    last_page_strings = ()

    def get_page_size(self, request):
        return positive_int(request, self.page_size_query_param, maximum=self.max_page_size) or self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = positive_int(request, self.page_query_param, maximum=MAX_PAGE) or 1
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            detail = f"Page {number} is past the last page ({paginator.num_pages})."
            raise exceptions.ValidationError(
                {self.page_query_param: [exceptions.ErrorDetail(detail, code="invalid_page")]}
            ) from None
        self.display_page_controls = paginator.num_pages > 1
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            parameter["schema"]["maximum"] = (
                self.max_page_size if parameter["name"] == self.page_size_query_param else MAX_PAGE
            )
        return parameters
