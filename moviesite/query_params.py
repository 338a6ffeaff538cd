"""Query-string serializers for the API: a parameter meant once must come once (`?n=1&n=2` is a 400),
and one given must have a value (`?ordering=` is a 400 too).

A QueryDict hands a serializer the last of repeated values, so `?n=1&n=2` was silently read as 2.
List fields (`genre`, repeat to require several) may repeat; every other field may not. DRF reads an
empty value of an optional field as "not given", so `?n=` was the default 10 although the schema
allows no empty `n`; only text fields that accept blank (`search=`) may be empty.
"""
from __future__ import annotations

from rest_framework import serializers


class QueryParams(serializers.Serializer):
    def to_internal_value(self, data):
        getlist = getattr(data, "getlist", None)
        if getlist is not None:
            errors = {
                name: ["Give this parameter once."]
                for name, field in self.fields.items()
                if not isinstance(field, serializers.ListField) and len(getlist(name)) > 1
            }
            errors |= {
                name: ["Give a value, or leave the parameter out."]
                for name, field in self.fields.items()
                if name not in errors and not _allows_blank(field) and "" in getlist(name)
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _allows_blank(field: serializers.Field) -> bool:
    return getattr(getattr(field, "child", field), "allow_blank", False)
