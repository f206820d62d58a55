"""Error pages in the theme: a person never sees a traceback."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException, InternalServerError

from pressroom.render.html import render_template
from pressroom.web import state


def _page(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    html = render_template(
        state.site(),
        "page/error.html",
        state.site().settings.language,
        code=code,
        name=error.name,
    )
    return html, code


def register(app: Flask) -> None:
    """Show 4xx and 5xx errors as themed pages."""
    app.register_error_handler(HTTPException, _page)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("unexpected error")
        return _page(InternalServerError())
