"""GET /api/ping: the benchmark's floor, answering without touching the database."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/ping", "/api/ping/"])
def test_ping_answers_ok_without_a_query(api, db, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = api.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "OK"}

