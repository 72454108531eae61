"""/api/faqs and /api/faqs/<id> (issue 16 item 5): the store's knowledge base, store-scoped, role-checked
and audited like /api/departments (the shared behaviour is also in test_store_rows_api.py's "faqs" case).
Here: what is particular to an FAQ's fields, another tenant's rows, and the voice cache following writes."""
from __future__ import annotations

import pytest
from django.core.cache import cache

from store.models import AuditEntry, Faq
from store.services import DATA_VERSION_KEY, save_record

DELIVERY = {"question": "Do you deliver?", "answer": "Yes, within 5 miles of the store.", "keywords": ["delivery", "bring it to my house"]}


def make(store, **data) -> Faq:
    return save_record(actor=None, store=store, instance=Faq(), data={**DELIVERY, **data})


def test_owner_adds_an_faq_with_every_field(owner_api, store):
    response = owner_api.post("/api/faqs", {**DELIVERY, "is_active": False}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["success"], body["message"]) == (True, "FAQ added successfully")
    faq = Faq.objects.get(store=store)
    assert set(body["data"]) == {"id", "question", "answer", "keywords", "is_active", "created_at"}
    assert body["data"]["id"] == faq.pk
    assert (faq.question, faq.answer, faq.keywords, faq.is_active) == (DELIVERY["question"], DELIVERY["answer"], DELIVERY["keywords"], False)
    audit = AuditEntry.objects.get(store=store, model="faq")
    assert (audit.action, audit.actor_label, audit.object_repr) == ("create", "olivia", "Do you deliver?")
    assert audit.changes["answer"] == [None, DELIVERY["answer"]]


def test_keywords_default_to_none_and_active_to_true(owner_api, store):
    response = owner_api.post("/api/faqs", {"question": "Parking?", "answer": "Free lot behind the store."}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["data"]["keywords"], response.json()["data"]["is_active"]) == ([], True)


@pytest.mark.parametrize(
    "body, field",
    [
        ({**DELIVERY, "keywords": "delivery"}, "keywords"),  # a string, not a list
        ({**DELIVERY, "keywords": ["delivery", 5]}, "keywords"),  # a number among the words
        ({**DELIVERY, "keywords": [{"word": "delivery"}]}, "keywords"),
        ({**DELIVERY, "keywords": ["delivery", "  "]}, "keywords"),  # a blank word
        ({**DELIVERY, "keywords": ["x" * 101]}, "keywords"),
        ({**DELIVERY, "keywords": [f"word {n}" for n in range(101)]}, "keywords"),
        ({**DELIVERY, "question": ""}, "question"),
        ({**DELIVERY, "question": "   "}, "question"),
        ({**DELIVERY, "question": "x" * 301}, "question"),
        ({**DELIVERY, "question": 42}, "question"),
        ({"answer": "Yes."}, "question"),  # missing
        ({**DELIVERY, "answer": ""}, "answer"),
        ({**DELIVERY, "answer": "x" * 2001}, "answer"),
        ({"question": "Do you deliver?"}, "answer"),
        ({**DELIVERY, "is_active": "sometimes"}, "is_active"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(owner_api, store, body, field):
    response = owner_api.post("/api/faqs", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]
    assert not Faq.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("change, field", [({"keywords": "returns"}, "keywords"), ({"question": ""}, "question"), ({"answer": "x" * 2001}, "answer")])
def test_a_bad_change_is_400_and_leaves_the_row_as_it_was(owner_api, store, change, field):
    faq = make(store)
    AuditEntry.objects.all().delete()

    response = owner_api.patch(f"/api/faqs/{faq.pk}", change, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]
    faq.refresh_from_db()
    assert (faq.question, faq.answer, faq.keywords) == (DELIVERY["question"], DELIVERY["answer"], DELIVERY["keywords"])
    assert not AuditEntry.objects.exists()


def test_the_same_question_twice_in_a_store_is_refused_but_another_store_may_ask_it(owner_api, store, other_store):
    make(other_store)
    make(store)

    twin = owner_api.post("/api/faqs", {**DELIVERY, "question": "do you DELIVER?"}, format="json")

    assert twin.status_code == 400
    assert "question" in twin.json()["fields"]
    assert Faq.objects.filter(store=store).count() == 1


def test_another_tenants_faq_is_404_and_never_listed(owner_api, store, other_store):
    mine, theirs = make(store), make(other_store, answer="Theirs: no delivery.")

    listed = owner_api.get("/api/faqs")
    responses = [
        owner_api.get(f"/api/faqs/{theirs.pk}"),
        owner_api.put(f"/api/faqs/{theirs.pk}", {"answer": "Hijacked"}, format="json"),
        owner_api.patch(f"/api/faqs/{theirs.pk}", {"answer": "Hijacked"}, format="json"),
        owner_api.delete(f"/api/faqs/{theirs.pk}"),
    ]

    assert [row["id"] for row in listed.json()] == [mine.pk]
    assert "Theirs" not in listed.content.decode()
    assert [r.status_code for r in responses] == [404] * 4
    theirs.refresh_from_db()
    assert theirs.answer == "Theirs: no delivery."
    assert owner_api.get("/api/faqs", {"store": "harbor-deli"}).status_code == 404
    assert not AuditEntry.objects.filter(store=other_store).exclude(actor_label="system").exists()


def test_missing_or_wrong_credentials_are_401(api, store):
    faq = make(store)
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert api.get("/api/faqs").status_code == 401
    api.credentials()
    assert [api.get("/api/faqs").status_code, api.get(f"/api/faqs/{faq.pk}").status_code] == [401, 401]
    assert api.post("/api/faqs", DELIVERY, format="json").status_code == 401
    assert api.delete(f"/api/faqs/{faq.pk}").status_code == 401
    assert Faq.objects.count() == 1


def test_agent_and_bot_read_but_cannot_write(agent_api, bot_api, store):
    faq = make(store)

    for client in (agent_api, bot_api):
        assert client.get("/api/faqs").json()[0]["answer"] == DELIVERY["answer"]
        assert client.get(f"/api/faqs/{faq.pk}").status_code == 200
        assert client.post("/api/faqs", {**DELIVERY, "question": "Parking?"}, format="json").status_code == 403
        assert client.patch(f"/api/faqs/{faq.pk}", {"answer": "No."}, format="json").status_code == 403
        assert client.delete(f"/api/faqs/{faq.pk}").status_code == 403
    faq.refresh_from_db()
    assert (Faq.objects.count(), faq.answer) == (1, DELIVERY["answer"])


def test_audit_log_filters_faq_changes(owner_api, store):
    response = owner_api.post("/api/faqs", DELIVERY, format="json")
    pk = response.json()["data"]["id"]
    owner_api.patch(f"/api/faqs/{pk}", {"keywords": ["delivery"]}, format="json")
    owner_api.delete(f"/api/faqs/{pk}")

    log = owner_api.get("/api/audit-log", {"model": "faq"})

    assert log.status_code == 200, log.content
    assert [(row["action"], row["object_id"]) for row in log.json()] == [("delete", str(pk)), ("update", str(pk)), ("create", str(pk))]
    assert log.json()[1]["changes"] == {"keywords": [DELIVERY["keywords"], ["delivery"]]}


def test_every_write_renews_the_voice_agents_cached_data(owner_api, store):
    """The agent caches a store's FAQs under its data version (voice/selectors.py): each write renews it."""
    key = DATA_VERSION_KEY.format(store.pk)
    seen = []

    def version_after(response) -> None:
        assert response.status_code == 200, response.content
        seen.append(cache.get(key))

    version_after(owner_api.post("/api/faqs", DELIVERY, format="json"))
    pk = Faq.objects.get().pk
    version_after(owner_api.patch(f"/api/faqs/{pk}", {"answer": "Yes, within 10 miles."}, format="json"))
    version_after(owner_api.delete(f"/api/faqs/{pk}"))

    assert None not in seen and len(set(seen)) == 3


@pytest.mark.parametrize("count", [3, 300])
def test_the_list_takes_a_fixed_number_of_queries(owner_api, store, count, django_assert_num_queries):
    Faq.objects.bulk_create(Faq(store=store, question=f"Question {n:03d}?", answer="Yes.", keywords=["word"]) for n in range(count))

    # The store, the count, the page (the test client is authenticated without a query).
    with django_assert_num_queries(3):
        response = owner_api.get("/api/faqs", {"limit": 1000})

    assert len(response.json()) == count and response["X-Total-Count"] == str(count)
    assert response.json()[0]["question"] == "Question 000?"
