"""The rating form: only checks a score was sent; rating_upsert does the one real validation."""
from __future__ import annotations

from django import forms


class RatingForm(forms.Form):
    score = forms.CharField(
        max_length=8, error_messages={"required": "Choose a rating from half a star to five stars."}
    )
