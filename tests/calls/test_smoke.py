def test_bot_creates_call_with_bearer_key(bot_api, store):
    response = bot_api.post("/api/calls", {"callId": "TEST123", "status": "in-progress"}, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["store"] == store.slug
