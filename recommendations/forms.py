"""The viewer-preferences form behind the home page's discover control and the list/cards toggle."""
from __future__ import annotations

import math

from django import forms

from recommendations.models import ViewerPreferences


class PreferencesForm(forms.Form):
    discover = forms.FloatField(required=False, min_value=0.0, max_value=1.0)
    layout = forms.ChoiceField(required=False, choices=ViewerPreferences.Layout.choices)
    next = forms.CharField(required=False, max_length=500)

    def clean_discover(self) -> float | None:
        value = self.cleaned_data.get("discover")
        if value is not None and not math.isfinite(value):
            raise forms.ValidationError("Give a number between 0 and 1.")
        return value
