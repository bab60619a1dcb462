"""ASGI entry point for ``uvicorn clearway.asgi:app`` (and ``clearway serve --workers N``)."""

from .api.app import create_app

app = create_app()
