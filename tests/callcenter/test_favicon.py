"""/favicon.ico, which every browser asks for on every page, was a 404: it leads to the site's icon."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.test import Client


def test_favicon_ico_leads_to_the_icon_every_page_names(db, owner):
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    assert (Path(settings.BASE_DIR) / "static" / "favicon.svg").read_text().startswith("<svg")

    client = Client()
    client.force_login(owner)
    for path in ("/login/", "/"):
        html = (client if path == "/" else Client()).get(path).content.decode()
        assert '<link rel="icon" href="/static/favicon.svg"' in html, path
