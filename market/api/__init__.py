"""The JSON API under /api/v1 (OpenAPI schema at /api/schema/openapi.json)."""
