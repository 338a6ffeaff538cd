"""Query-string serializers for the API: a parameter meant once must come once (`?n=1&n=2` is a 400).

A QueryDict hands a serializer the last of repeated values, so `?n=1&n=2` was silently read as 2.
List fields (`genre`, repeat to require several) may repeat; every other field may not.
"""
from __future__ import annotations

from rest_framework import serializers


class QueryParams(serializers.Serializer):
    def to_internal_value(self, data):
        getlist = getattr(data, "getlist", None)
        if getlist is not None:
            repeated = {
                name: ["Give this parameter once."]
                for name, field in self.fields.items()
                if not isinstance(field, serializers.ListField) and len(getlist(name)) > 1
            }
            if repeated:
                raise serializers.ValidationError(repeated)
        return super().to_internal_value(data)
