"""/store/faqs/: the store's FAQ as a page, with the API's rules (FaqSerializer) and the audited services."""
from __future__ import annotations

import pytest

from store.models import AuditEntry, Faq
from tests.dashboard.pages import field_errors, has_csrf_field, signed_in

DELIVERY = {"question": "Do you deliver?", "answer": "Yes, within 5 miles.", "keywords": "delivery, bring it to my house", "is_active": "on"}


def test_owner_adds_edits_and_deletes_an_faq(owner, store):
    client = signed_in(owner)
    page = client.get("/store/faqs/")
    assert page.status_code == 200 and has_csrf_field(page)
    assert "Add FAQ" in page.content.decode() and 'href="/store/faqs/?store=main-street" aria-current="page"' in page.content.decode()

    added = client.post("/store/faqs/", DELIVERY)

    assert added.status_code == 302
    faq = Faq.objects.get(store=store)
    assert (faq.question, faq.keywords, faq.is_active) == ("Do you deliver?", ["delivery", "bring it to my house"], True)
    listed = client.get("/store/faqs/").content.decode()
    assert "Do you deliver?" in listed and "Yes, within 5 miles." in listed
    edit = client.get(f"/store/faqs/{faq.pk}/")
    assert edit.context["form"].initial["keywords"] == "delivery, bring it to my house"
    client.post(f"/store/faqs/{faq.pk}/", {**DELIVERY, "answer": "Yes, within 10 miles.", "is_active": ""})
    faq.refresh_from_db()
    assert (faq.answer, faq.is_active) == ("Yes, within 10 miles.", False)
    deleted = client.post(f"/store/faqs/{faq.pk}/delete/", follow=True)
    assert "FAQ Do you deliver? deleted." in deleted.content.decode()
    assert not Faq.objects.exists()
    assert list(AuditEntry.objects.filter(model="faq").order_by("id").values_list("action", "actor_label")) == [
        ("create", "olivia"), ("update", "olivia"), ("delete", "olivia")]


@pytest.mark.parametrize("change, field", [({"question": ""}, "question"), ({"answer": ""}, "answer"), ({"answer": "x" * 2001}, "answer")])
def test_errors_show_next_to_the_field_and_nothing_is_written(owner, store, change, field):
    response = signed_in(owner).post("/store/faqs/", {**DELIVERY, **change})

    assert response.status_code == 400
    assert field_errors(response, field)
    assert not Faq.objects.exists() and not AuditEntry.objects.exists()


def test_the_list_shortens_a_long_answer(owner, store):
    Faq.objects.create(store=store, question="Returns?", answer="Within 30 days. " * 40)

    row = signed_in(owner).get("/store/faqs/").context["rows"][0]

    assert dict(row["cells"])["Answer"].endswith("…") and len(dict(row["cells"])["Answer"]) == 140


def test_an_agent_reads_the_faq_but_cannot_change_it(agent, store):
    faq = Faq.objects.create(store=store, question="Parking?", answer="Free lot behind the store.")
    client = signed_in(agent)

    page = client.get("/store/faqs/")
    assert page.status_code == 200 and "Parking?" in page.content.decode() and "Add FAQ" not in page.content.decode()
    assert client.get(f"/store/faqs/{faq.pk}/").status_code == 200
    assert client.post("/store/faqs/", DELIVERY).status_code == 403
    assert client.post(f"/store/faqs/{faq.pk}/", {**DELIVERY}).status_code == 403
    assert client.post(f"/store/faqs/{faq.pk}/delete/").status_code == 403
    assert list(Faq.objects.values_list("question", flat=True)) == ["Parking?"]


def test_another_owners_faq_is_404_and_not_listed(owner, store, other_store):
    theirs = Faq.objects.create(store=other_store, question="Their secret?", answer="Theirs.")
    client = signed_in(owner)

    assert client.get(f"/store/faqs/{theirs.pk}/").status_code == 404
    assert client.post(f"/store/faqs/{theirs.pk}/", DELIVERY).status_code == 404
    assert client.post(f"/store/faqs/{theirs.pk}/delete/").status_code == 404
    assert "Their secret?" not in client.get("/store/faqs/").content.decode()
    assert Faq.objects.get(pk=theirs.pk).answer == "Theirs."


def test_the_page_takes_a_fixed_number_of_queries(owner, store, django_assert_max_num_queries):
    client = signed_in(owner)
    Faq.objects.create(store=store, question="Question 0?", answer="Yes.")
    client.get("/store/faqs/")
    with django_assert_max_num_queries(12) as few:
        client.get("/store/faqs/")
    Faq.objects.bulk_create(Faq(store=store, question=f"Question {n}?", answer="Yes.", keywords=["a", "b"]) for n in range(1, 150))
    with django_assert_max_num_queries(len(few)):
        response = client.get("/store/faqs/")
    assert len(response.context["rows"]) == 150
