"""Swagger examples of GET /api/dashboard/comprehensive/ for each role."""
from drf_yasg import openapi

DESCRIPTION = "placeholder"
RESPONSE = openapi.Response("The signed-in user's dashboard")
