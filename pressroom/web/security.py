"""The app's protections: CSRF on every form, roles, cookies, sessions and login throttling.

CSRF is checked for every POST of the whole app before any view runs, so a new form cannot
forget it; the one exemption (RFC 8058's one-click unsubscribe, whose URL token is its proof)
is declared with ``@csrf.exempt`` next to its view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem, parse

from pressroom.accounts import Role

P = ParamSpec("P")
R = TypeVar("R")

# One instance for every app: it keeps no per-app state, only the exempted views' names.
csrf = CSRFProtect()

SESSION_LIFETIME = timedelta(hours=8)
DEFAULT_LOGIN_LIMIT = "5 per minute"
DEFAULT_RESET_LIMIT = "5 per hour"

# Back-office pages: never cached, never framed, and they send no referrer (a reset link's
# token must not leak to another site).
_BACKOFFICE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    ),
}


def init_app(app: Flask) -> None:
    """Session and cookie settings, CSRF protection and the login throttle for one app."""
    site = app.extensions["pressroom.site"]
    https = urlsplit(site.settings.base_url).scheme == "https"
    _default(app, "PERMANENT_SESSION_LIFETIME", SESSION_LIFETIME)
    _default(app, "SESSION_COOKIE_SECURE", https)
    # ``__Host-``: browsers accept it only over https, for this host, on every path.
    _default(app, "SESSION_COOKIE_NAME", "__Host-pressroom" if https else "pressroom")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    _default(app, "SESSION_COOKIE_SAMESITE", "Lax")
    # The token lives as long as the session: a long form must not fail after an hour.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("LOGIN_RATE_LIMIT", DEFAULT_LOGIN_LIMIT)
    app.config.setdefault("RESET_RATE_LIMIT", DEFAULT_RESET_LIMIT)
    csrf.init_app(app)
    limiter = Limiter(
        get_remote_address,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        strategy="moving-window",
        key_prefix="pressroom",
        default_limits=[],
    )
    limiter.init_app(app)
    app.extensions["pressroom.limiter"] = limiter
    app.before_request(require_login_for_admin)


def require_login_for_admin() -> Any:
    """Every route under ``/admin``, of any blueprint, needs a signed-in, active account.

    Checked for the whole app by URL rather than per view, so a new route cannot forget it.
    """
    rule = request.url_rule
    if rule is None or not (rule.rule == "/admin" or rule.rule.startswith("/admin/")):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


def _default(app: Flask, key: str, value: Any) -> None:
    """Our default for a Flask setting, unless the deployment (``PRESSROOM_*``) or a test
    chose another value than Flask's own default."""
    if key not in app.config or app.config[key] == app.default_config.get(key):
        app.config[key] = value


def add_backoffice_headers(response: Response) -> Response:
    """``after_request`` hook of the back-office blueprints."""
    for name, value in _BACKOFFICE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def role_required(role: Role) -> Callable[[Callable[P, R]], Callable[P, R | Any]]:
    """Let through only signed-in accounts that have ``role`` (or a higher one)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Any]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not current_user.account.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


class Throttle:
    """Counts attempts per key in the limiter's storage (memory, or Redis when configured)."""

    def __init__(self, setting: str, scope: str) -> None:
        self.setting = setting
        self.scope = scope

    def _item(self) -> RateLimitItem:
        return parse(str(current_app.config[self.setting]))

    @staticmethod
    def _limiter() -> Limiter:
        limiter: Limiter = current_app.extensions["pressroom.limiter"]
        return limiter

    def allowed(self, *keys: str) -> bool:
        """Whether one more attempt is allowed for every key.

        If the storage (Redis) is down, say yes and log it: as Flask-Limiter's own
        ``swallow_errors``, an outage of the counter must not lock everyone out.
        """
        item, strategy = self._item(), self._limiter().limiter
        try:
            return all(strategy.test(item, self.scope, key) for key in keys)
        except Exception:  # the storage's client errors (redis, memcached...) share no base
            current_app.logger.exception("rate-limit storage unavailable; not throttling")
            return True

    def hit(self, *keys: str) -> None:
        """Count one attempt for each key."""
        item, strategy = self._item(), self._limiter().limiter
        try:
            for key in keys:
                strategy.hit(item, self.scope, key)
        except Exception:  # as in ``allowed``
            current_app.logger.exception("rate-limit storage unavailable; attempt not counted")


login_throttle = Throttle("LOGIN_RATE_LIMIT", "login")
reset_throttle = Throttle("RESET_RATE_LIMIT", "reset")


def client_key() -> str:
    """Who is knocking: the client's address (behind a proxy, configure ProxyFix)."""
    return "ip:" + (request.remote_addr or "unknown")


def safe_next(target: str | None) -> str | None:
    """A ``next`` URL only if it stays on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target.replace("\\", "/"))
    if (parts.scheme or parts.netloc) and parts.netloc != request.host:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")
