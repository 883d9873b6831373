"""The REST API under /api/v1 (its own FastAPI app, so its OpenAPI covers the API only)."""

from therabill.web.api.app import create_api

__all__ = ["create_api"]
