"""Every link on the overview opens a page (never the REST framework's JSON page), for every role; and
/settings/profile/, where a person changes their own name and email."""
from __future__ import annotations

import re

import pytest

from callcenter.models import User
from dashboard.views.overview import page_url
from tests.dashboard.pages import field_errors, signed_in


@pytest.mark.parametrize("who", ["owner", "agent", "admin_user"])
def test_every_overview_link_opens_an_html_page(business, who, request):
    user = request.getfixturevalue(who)
    client = signed_in(user)
    html = client.get("/").content.decode()
    main = html[html.index('<main'):]
    links = sorted(set(re.findall(r'href="(/[^"#]*)', main)))
    assert any(link.startswith(("/callbacks/", "/live/", "/billing/", "/agents/", "/customers/")) for link in links)
    assert not [link for link in links if link.startswith("/api/")]
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        assert response["Content-Type"].startswith("text/html"), link
        assert "Django REST framework" not in response.content.decode(), link


def test_api_links_map_to_their_pages_with_the_filters_a_page_knows():
    assert page_url("/api/callbacks?overdue=true&assigned=me") == "/callbacks/?overdue=true&assigned=me"
    assert page_url("/api/ai-agents/7") == "/agents/"
    assert page_url("/api/ai-agents?training=incomplete") == "/agents/?training=incomplete"
    assert page_url("/api/billing?status=failed") == "/billing/"
    assert page_url("/api/subscriptions/3") == "/billing/"
    assert page_url("/api/plans") == "/billing/#plans"
    assert page_url("/api/users/profile") == "/settings/profile/"
    assert page_url("/api/calls/outbound") == "/live/#start-call"
    assert page_url("/api/queue?status=waiting&store=main-street") == "/live/#queue"


def test_a_person_changes_their_own_profile(agent):
    client = signed_in(agent)
    assert client.get("/settings/profile/").status_code == 200
    response = client.post("/settings/profile/", {"firstName": "Alex", "lastName": "Kim", "email": "alex.kim@example.com"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.first_name, agent.last_name, agent.email, agent.role) == ("Alex", "Kim", "alex.kim@example.com", User.Role.AGENT)
    response = client.post("/settings/profile/", {"firstName": "X", "email": "nope"})
    assert response.status_code == 400 and field_errors(response, "email")
    agent.refresh_from_db()
    assert agent.first_name == "Alex"
