"""DRF's page-number pagination, refusing `?page=2&page=3` and an empty `?page=` (a 400) like any other parameter."""
from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        # DRF reads the last of repeated values: which page was meant is the client's bug to fix.
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1:
            raise ValidationError({self.page_query_param: ["Give this parameter once."]})
        if values and not values[0].strip():  # DRF would read an empty value as page 1
            raise ValidationError({self.page_query_param: ["A page number is required."]})
        return super().paginate_queryset(queryset, request, view)
