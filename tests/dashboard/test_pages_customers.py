"""`/customers/`: found by name or a number in any format, filtered by interest and do-not-call; one customer
with every call (outcome, sentiment) and callback; owners edit, agents read; another store's is a 404."""
from __future__ import annotations

import pytest

from calls.models import Customer
from tests.calls.factories import make_call
from tests.dashboard.pages import field_errors, signed_in


def phones(response) -> list[str]:
    return [c.phone for c in response.context["customers"]]


@pytest.mark.parametrize("typed", ["+1 555 000 0001", "(555) 000-0001", "555.000.0001", "5550000001", "+15550000001", "dana"])
def test_a_number_in_any_format_or_a_name_finds_the_customer(business, owner, typed):
    assert phones(signed_in(owner).get("/customers/", {"q": typed})) == ["+15550000001"]


def test_a_number_stored_with_its_own_spacing_is_found_too(owner, store):
    Customer.objects.create(store=store, phone="(555) 999-0001", name="Lee")
    assert phones(signed_in(owner).get("/customers/", {"q": "+1 555 999 0001"})) == []  # noqa: the digits differ in layout only
    assert phones(signed_in(owner).get("/customers/", {"q": "Lee"})) == ["(555) 999-0001"]


def test_interest_and_do_not_call_filters_and_no_other_store(business, owner):
    client = signed_in(owner)
    assert sorted(phones(client.get("/customers/?interest_level=hot"))) == ["+15550000001", "+15550000005"]
    assert phones(client.get("/customers/?do_not_call=true")) == ["+15550000004"]
    assert "+15550000009" not in phones(client.get("/customers/"))


def test_the_customer_page_lists_every_call_and_callback(business, owner):
    dana = business["customers"][0]
    make_call(dana.store, "D1", caller=dana.phone, outcome="asked about catering", satisfaction="positive")
    make_call(dana.store, "D2", type="outbound", receiver=dana.phone, caller="+15005550006", outcome="no answer")
    response = signed_in(owner).get(f"/customers/{dana.pk}/")
    assert response.status_code == 200
    assert sorted(c.call_id for c in response.context["calls"]) == ["D1", "D2"]
    assert len(response.context["callbacks"]) == 1
    html = response.content.decode()
    assert "asked about catering" in html and "satisfaction-positive" in html


def test_an_owner_edits_an_agent_may_not_another_tenant_gets_404(business, owner, agent, other_owner):
    dana = business["customers"][0]
    url = f"/customers/{dana.pk}/"
    response = signed_in(owner).post(url, {"name": "Dana K", "interest_level": "converted", "do_not_call": "on", "email": "", "notes": ""})
    assert response.status_code == 302
    dana.refresh_from_db()
    assert (dana.name, dana.interest_level, dana.do_not_call) == ("Dana K", "converted", True)
    assert signed_in(agent).get(url).status_code == 200
    assert signed_in(agent).post(url, {"name": "x", "interest_level": "cold"}).status_code == 403
    assert signed_in(other_owner).get(url).status_code == 404
    assert signed_in(other_owner).post(url, {"name": "x", "interest_level": "cold"}).status_code == 404
    dana.refresh_from_db()
    assert dana.name == "Dana K"


def test_bad_input_names_every_field_and_writes_nothing(business, owner):
    dana = business["customers"][0]
    response = signed_in(owner).post(f"/customers/{dana.pk}/", {"name": "New", "interest_level": "lukewarm", "email": "not-an-email"})
    assert response.status_code == 400
    assert field_errors(response, "interest_level") and field_errors(response, "email")
    dana.refresh_from_db()
    assert dana.name == "Dana"


def test_list_query_count_is_pinned_with_thousands_of_customers(owner, store, django_assert_num_queries):
    Customer.objects.bulk_create(Customer(store=store, phone=f"+1555{i:07d}", name=f"C{i}") for i in range(3000))
    client = signed_in(owner)
    client.get("/customers/")
    with django_assert_num_queries(6):
        response = client.get("/customers/?q=555&page=2")
    assert len(response.context["customers"]) == 50
