"""Previews of a release exactly as it will go out: the newsroom page, the PDF, the email.

Each is made by the code that makes the real one (``render_release_page``, ``render_pdf``,
``build_message``), from the saved file or from the form's unsaved values, drafts included.
A draft's uploads are not public yet, so the preview links them through the back office.
What keeps a preview from being made is said in the back office's language.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from pressroom.contacts import ContactError
from pressroom.errors import NotFoundError, PressroomError
from pressroom.mail.message import MailOptions, Recipient, build_message
from pressroom.pages import Download, file_size, render_release_page
from pressroom.press_officers import read_press_officers
from pressroom.release import Release, parse_release, upload_name
from pressroom.release_form import FormError, legacy_images, parse_form
from pressroom.release_front_matter import release_text
from pressroom.render.context import release_view
from pressroom.store import decode_release
from pressroom.web import state
from pressroom.web.backoffice import language, render_page, t
from pressroom.web.security import add_backoffice_headers

bp = Blueprint("previews", __name__, url_prefix="/admin/communiques")
bp.after_request(add_backoffice_headers)

SAMPLE_RECIPIENT = Recipient("journaliste@example.org", "Camille Exemple")
MEDIA = ("page", "pdf", "courriel")
_UPLOAD_LINKS = re.compile(r'\b(src|href)="/uploads/')


def _saved(slug: str) -> Release:
    try:
        return state.catalog().get(slug)
    except NotFoundError:
        abort(404)


class PreviewProblem(Exception):
    """What keeps a preview from being made, shown to the person instead of it."""

    def __init__(self, problems: list[str], status: int = 400) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.status = status


def _problem_page(problem: PreviewProblem) -> tuple[str, int]:
    html = render_page("admin/editor/preview_error.html", problems=problem.problems)
    return html, problem.status


def _from_form() -> Release:
    """The release the form describes, read back as the file would be (nothing written)."""
    site = state.site()
    values = {key: request.form.getlist(key) for key in request.form if key != "csrf_token"}
    try:
        officers = read_press_officers(site)
    except ContactError:
        officers = ()
    base = state.catalog().find_slug(request.form.get("current_slug", ""))
    try:
        fields = parse_form(values, site, officers, legacy_images(base))
    except FormError as exc:
        raise PreviewProblem(
            [t(m.message, **m.params) for found in exc.errors.values() for m in found]
        ) from None
    path = base.path if base is not None else "releases/apercu.md"
    text = release_text(fields, site, base.published if base is not None else False)
    try:
        normalised, _ = decode_release(text.encode("utf-8"), path)
        release, _ = parse_release(normalised, path, site.settings)
    except PressroomError as exc:
        raise PreviewProblem([exc.localized(language())]) from None
    return release


def page_html(release: Release, pdf_url: str) -> str:
    """The newsroom page of a release, with its uploads served by the back office."""
    from pressroom.web.public import chrome, current_newsroom

    site = state.site()
    frame = chrome(release.language)
    pdf = Download(pdf_url, t("The press release"))
    html = render_release_page(site, current_newsroom(), release, frame, pdf)
    return _UPLOAD_LINKS.sub(r'\1="/admin/communiques/televersements/', html)


def pdf_response(release: Release) -> Response:
    """The PDF as it will be printed, shown in the browser rather than downloaded."""
    from pressroom.pdfname import release_pdf_name
    from pressroom.render.pdf import render_pdf

    try:
        data = render_pdf(state.site(), release)
    except PressroomError as exc:
        raise PreviewProblem([exc.localized(language())], 503) from None
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{release_pdf_name(release)}"'
    return response


@dataclass(frozen=True)
class Attachment:
    """One file the message carries, as the preview lists it."""

    name: str
    size: str


def attachments_of(message: EmailMessage, lang: str) -> list[Attachment]:
    """The files attached to the built message itself, so the list cannot differ from it."""
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        size = len(data) if isinstance(data, bytes) else 0
        found.append(Attachment(part.get_filename() or "", file_size(size, lang)))
    return found


def _mail_pdf(release: Release, saved: bool, link: bool) -> tuple[str, bytes]:
    """The PDF the message carries: the campaign's own (cached) one for a saved release, the
    form's values rendered afresh otherwise (the cache is keyed by the saved file)."""
    from pressroom.campaign_mail import pdf_for_mail
    from pressroom.pdfname import release_pdf_name
    from pressroom.render.pdf import render_pdf

    site = state.site()
    if saved or link:
        return pdf_for_mail(site, release, link)
    return (release_pdf_name(release), render_pdf(site, release))


def mail_page(release: Release, saved: bool = True) -> str:
    """The email to a sample journalist: headers, attachments, the HTML part (sandboxed) and
    the text, all read from the message built as a campaign builds it (PDF included)."""
    site = state.site()
    now = state.now()
    # As a campaign decides: under embargo the PDF is attached whatever was asked.
    link = request.args.get("pdf") == "lien" and release.is_public(now)
    try:
        options = MailOptions(pdf=_mail_pdf(release, saved, link), link_pdf=link, now=now)
        outgoing = build_message(
            site, release_view(site, release), SAMPLE_RECIPIENT, options, delivery_id="apercu"
        )
    except PressroomError as exc:
        problems = [exc.localized(language())]
        return render_page("admin/editor/preview_error.html", problems=problems)
    message = outgoing.message
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    labels = {"Subject": t("Subject"), "From": t("From"), "Reply-To": t("Reply to"), "To": t("To")}
    headers = [(label, str(message[name])) for name, label in labels.items() if message[name]]
    return render_page(
        "admin/editor/mail_preview.html",
        release=release,
        saved=saved,
        link=link,
        embargoed=not release.is_public(now),
        headers=headers,
        html_body=html_part.get_content() if html_part is not None else "",
        text_body=text_part.get_content() if text_part is not None else "",
        attachments=attachments_of(message, language()),
    )


def _preview(release: Release, medium: str, pdf_url: str, saved: bool) -> Any:
    try:
        return _medium(release, medium, pdf_url, saved)
    except PreviewProblem as problem:
        return _problem_page(problem)


def _medium(release: Release, medium: str, pdf_url: str, saved: bool) -> Any:
    if medium == "page":
        response = Response(page_html(release, pdf_url), mimetype="text/html")
        # The preview may be framed by the form's live preview, on this site only.
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response
    if medium == "pdf":
        return pdf_response(release)
    if medium == "courriel":
        return mail_page(release, saved)
    abort(404)


@bp.get("/<slug>/apercu/<medium>")
def saved_preview(slug: str, medium: str) -> Any:
    """Preview of the release as saved."""
    release = _saved(slug)
    return _preview(release, medium, f"/admin/communiques/{release.slug}/apercu/pdf", True)


@bp.post("/apercu/<medium>")
def form_preview(medium: str) -> Any:
    """Preview of the form's values, unsaved (new uploads are shown once saved)."""
    if medium not in MEDIA:
        abort(404)
    try:
        release = _from_form()
    except PreviewProblem as problem:
        return _problem_page(problem)
    return _preview(release, medium, "#", False)


@bp.post("/apercu-direct")
def live_preview() -> Any:
    """The page preview as a fragment for the form's live preview panel (htmx)."""
    try:
        release = _from_form()
    except PreviewProblem as problem:
        return render_page("admin/editor/live_preview.html", problems=problem.problems, page="")
    return render_page("admin/editor/live_preview.html", page=page_html(release, "#"))


@bp.get("/televersements/<path:name>")
def upload(name: str) -> Response:
    """A site's upload for previews, drafts' included (the public route hides those)."""
    path = state.site().uploads_dir / name
    if upload_name("/uploads/" + name) is None or not path.is_file():
        abort(404)
    # Read whole, like the theme's assets: a browser dropping a half-read file leaves nothing open.
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = Response(path.read_bytes(), mimetype=kind)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
