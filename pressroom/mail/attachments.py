"""The files a release's email offers: the PDF and the release's own files, attached or linked.

Under embargo everything is attached (the public links answer 404 until the release date);
otherwise the site's preference decides for the PDF, and the release's files are linked.
"""

from __future__ import annotations

import mimetypes
from email.message import MIMEPart
from urllib.parse import quote

from pressroom.config import Site
from pressroom.i18n import gettext
from pressroom.mail.body import Download, absolute_url
from pressroom.mail.headers import SMTP_POLICY, MailError, header_text, site_url
from pressroom.release import upload_name
from pressroom.render.context import ReleaseView

# Past this, attaching under embargo would make a message most relays refuse.
MAX_ATTACHED_BYTES = 15 * 1024 * 1024


def attachment_part(name: str, data: bytes) -> MIMEPart:
    """One file as an attachment, its name made safe (no path, no line break)."""
    part = MIMEPart(policy=SMTP_POLICY)
    clean = header_text(name).replace("/", "_").replace("\\", "_") or "piece-jointe"
    mime = mimetypes.guess_type(clean)[0] or "application/octet-stream"
    maintype, _, subtype = mime.partition("/")
    part.set_content(data, maintype, subtype, disposition="attachment", filename=clean)
    return part


def downloads_for(
    site: Site,
    view: ReleaseView,
    pdf: tuple[str, bytes] | None,
    *,
    link_pdf: bool,
    attach: bool,
    public_url: str,
) -> tuple[tuple[Download, ...], tuple[MIMEPart, ...]]:
    """The PDF and the release's files, each attached or linked; missing uploads left out."""
    downloads: list[Download] = []
    parts: list[MIMEPart] = []
    total = 0
    if pdf is not None:
        name, data = pdf
        label = gettext(view.lang, "The press release in PDF")
        if attach or not link_pdf:
            downloads.append(Download(label, name, attached=True))
            parts.append(attachment_part(name, data))
            total += len(data)
        else:
            downloads.append(Download(label, name, url=public_url + quote(name)))
    for link in view.files:
        if not link.available:
            continue  # a journalist can do nothing with "unavailable"; `pressroom check` says it
        upload = upload_name(link.url)
        filename = (upload or link.url).rsplit("/", 1)[-1]
        label = link.label or filename
        if attach and upload is not None:
            if any(d.attached and d.filename == filename for d in downloads):
                # The office uploaded its own copy under the communiqué's PDF name: one is enough.
                continue
            data = (site.uploads_dir / upload).read_bytes()
            downloads.append(Download(label, filename, attached=True))
            parts.append(attachment_part(filename, data))
            total += len(data)
        else:
            downloads.append(
                Download(
                    label, filename, url=absolute_url(site_url(site.settings.base_url), link.url)
                )
            )
    if total > MAX_ATTACHED_BYTES:
        raise MailError(
            "{path}: attachments weigh {size} MB, more than mail servers accept ({limit} MB); "
            "send links instead",
            path=view.release.path,
            size=str(total // 1_000_000),
            limit=str(MAX_ATTACHED_BYTES // 1_000_000),
        )
    return tuple(downloads), tuple(parts)
