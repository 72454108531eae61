"""/simulator/check/: check my agent as a page (voice/agent_check.py): runs on a POST for the stores one sees,
shows the pass rate, the sample and every failure with what the agent said; another tenant's store is 404."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils.html import escape

from calls.models import Call
from store.models import Department, InventoryItem
from store.services import index_item_words
from tests.dashboard.pages import has_csrf_field, signed_in
from tests.voice.webhooks import twilio_settings  # noqa: F401 (fixture)


@pytest.fixture
def stocked(store, twilio_settings):
    Department.objects.create(store=store, name="Bakery", phone="+15551230010", keywords=["bread"])
    found = InventoryItem.objects.create(store=store, name="Rye Bread", sku="RYE", price=Decimal("3.49"), stock_quantity=4, location="Aisle 4")
    index_item_words([found])
    # Saved without its search words: the agent cannot find it, and the check must say so.
    InventoryItem.objects.bulk_create([InventoryItem(store=store, name="Sourdough Loaf", sku="SRD", price=Decimal("5.25"), stock_quantity=3, location="Aisle 4")])
    return store


def test_the_page_offers_the_check_without_running_it(owner, stocked):
    response = signed_in(owner).get("/simulator/check/")

    assert response.status_code == 200 and has_csrf_field(response)
    html = response.content.decode()
    assert "Check my agent" in html and 'action="/simulator/check/?store=main-street"' in html
    assert response.context["report"] is None


def test_an_owner_runs_it_and_sees_the_rate_the_sample_and_each_failure(owner, stocked):
    response = signed_in(owner).post("/simulator/check/?store=main-street", {"sample": "150", "seed": "0"})

    assert response.status_code == 200
    report = response.context["report"]
    html = response.content.decode()
    assert f"{report.passed} of {report.played} passed ({report.percent:.1f}%)" in html
    assert f"All {report.population} cases the data gives" in html
    sourdough = [result for result in report.failures if result.case.subject == "Sourdough Loaf"]
    assert sourdough and all(escape(result.problem) in html and escape(result.said) in html for result in sourdough)
    assert "price $5.25 not said" in html
    assert Call.objects.count() == 0


def test_a_sample_smaller_than_the_store_is_shown(owner, stocked):
    response = signed_in(owner).post("/simulator/check/?store=main-street", {"sample": "5", "seed": "3"})

    report = response.context["report"]
    assert report.played == 5 < report.population
    assert f"A sample of 5 of the {report.population} cases the data gives (sample 3)" in response.content.decode()


def test_an_agent_may_check_their_store(agent, stocked):
    response = signed_in(agent).post("/simulator/check/", {"sample": "20", "seed": "0"})

    assert response.status_code == 200 and response.context["report"].played == response.context["report"].population == 15


def test_another_tenants_store_is_404(owner, store, other_store, twilio_settings):
    client = signed_in(owner)

    assert client.get("/simulator/check/?store=harbor-deli").status_code == 404
    assert client.post("/simulator/check/?store=harbor-deli", {"sample": "10", "seed": "0"}).status_code == 404
    assert Call.objects.count() == 0


def test_signed_out_goes_to_login(client, store):
    response = client.post("/simulator/check/", {"sample": "10", "seed": "0"})

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("data, field", [({"sample": "0", "seed": "0"}, "sample"), ({"sample": "5000", "seed": "0"}, "sample"), ({"sample": "10", "seed": "x"}, "seed")])
def test_bad_input_is_400_next_to_the_field_and_runs_nothing(owner, stocked, data, field):
    response = signed_in(owner).post("/simulator/check/", data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["report"] is None


def test_a_store_without_a_number_says_so(owner, store, twilio_settings):
    store.twilio_numbers = []
    store.save()

    response = signed_in(owner).post("/simulator/check/", {"sample": "10", "seed": "0"})

    assert response.status_code == 200
    assert "has no phone number" in response.content.decode() and response.context["report"] is None


def test_posts_need_the_csrf_token(owner, stocked):
    assert signed_in(owner, csrf=True).post("/simulator/check/", {"sample": "10", "seed": "0"}).status_code == 403
