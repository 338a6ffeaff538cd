"""DRF's page-number pagination, refusing `?page=2&page=3` (a 400) like any parameter given twice."""
from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        # DRF reads the last of repeated values: which page was meant is the client's bug to fix.
        if len(request.query_params.getlist(self.page_query_param)) > 1:
            raise ValidationError({self.page_query_param: ["Give this parameter once."]})
        return super().paginate_queryset(queryset, request, view)
