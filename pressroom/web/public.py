"""The public newsroom: what journalists and the public read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, send_from_directory, url_for
from werkzeug.wrappers import Response

from pressroom.release import upload_name
from pressroom.render.html import render_release, render_template
from pressroom.web import state

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> Response:
    return redirect(url_for("public.listing"))


@bp.get("/espace-presse/")
def listing() -> str:
    site = state.site()
    releases = state.catalog().public(state.now())
    return render_template(site, "page/listing.html", site.settings.language, releases=releases)


@bp.get("/espace-presse/<path:slug>/")
def release(slug: str) -> str:
    found = state.catalog().find_slug(slug)
    if found is None or not found.is_public(state.now()):
        abort(404)
    return render_release(state.site(), found, "page")


@bp.get("/uploads/<path:name>")
def upload(name: str) -> Response:
    if upload_name("/uploads/" + name) is None:
        abort(404)
    return send_from_directory(state.site().uploads_dir, name)
