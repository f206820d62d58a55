"""Error pages in the theme: a person never sees a traceback."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from pressroom.pages import render_error_page
from pressroom.web import state


def _page(error: HTTPException) -> Response | HTTPException:
    code = error.code or 500
    if code < 400:  # redirects raised as exceptions (RequestRedirect) keep their own response
        return error
    try:
        from pressroom.web.backoffice import language
        from pressroom.web.public import chrome

        # Inside the back office, its own language choice; elsewhere the public page's.
        back_office = request.path == "/admin" or request.path.startswith("/admin/")
        html = render_error_page(
            state.site(), chrome(language() if back_office else None), code, error.name
        )
    except Exception:  # the error page itself must not fail: plain text then
        current_app.logger.exception("error page failed")
        return Response(f"{code} {error.name}\n", code, mimetype="text/plain")
    response = Response(html, code, mimetype="text/html")
    if code == 405 and error.get_headers():
        for name, value in error.get_headers():
            if name.lower() == "allow":
                response.headers[name] = value
    response.headers["Cache-Control"] = "no-store" if request.method != "GET" else "no-cache"
    return response


def register(app: Flask) -> None:
    """Show 4xx and 5xx errors as themed pages."""
    app.register_error_handler(HTTPException, _page)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response | HTTPException:
        app.logger.exception("unexpected error")
        return _page(InternalServerError())
