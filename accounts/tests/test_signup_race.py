"""Simultaneous sign-ups of one name (or its case variants): one account, the others a form error, never a 500."""
from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 10


def _sign_up_together(usernames: list[str]) -> list[int]:
    """POST the sign-up form once per name, all released at the same moment; the status codes."""
    start = threading.Barrier(len(usernames))
    statuses: list[int] = []

    def sign_up(username: str) -> None:
        client = Client(raise_request_exception=False)
        start.wait()
        try:
            response = client.post("/accounts/signup/", {"username": username, "password1": "pick-me-a-film-42",
                                                         "password2": "pick-me-a-film-42"})
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(name,)) for name in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_racing_sign_ups_of_one_name_make_one_account_and_form_errors():
    statuses = _sign_up_together(["newcomer"] * RACERS)

    assert sorted(statuses) == [200] * (RACERS - 1) + [302]
    assert get_user_model().objects.filter(username__iexact="newcomer").count() == 1


def test_racing_sign_ups_of_case_variants_make_one_account():
    names = ["newcomer", "Newcomer", "NEWCOMER", "NewComer", "newComer", "nEwcomer", "neWcomer", "newcOmer",
             "newcoMer", "newcomEr"]

    statuses = _sign_up_together(names)

    assert sorted(statuses) == [200] * (len(names) - 1) + [302]
    assert get_user_model().objects.filter(username__iexact="newcomer").count() == 1
