from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination


class PageNumberPagination(BasePageNumberPagination):
    """``?page=N`` (PAGE_SIZE rows, 100) and ``?page_size=`` up to 1000 for bulk readers such as the chart."""

    page_size_query_param = "page_size"
    max_page_size = 1000
