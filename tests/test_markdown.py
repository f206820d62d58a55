"""Markdown → sanitised HTML: kramdown IALs, sanitising, link repairs, French spacing, corpus."""

from __future__ import annotations

import logging
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import frontmatter
import pytest

from pressroom.markdown import (
    ALLOWED_CLASSES,
    LinkWarning,
    Rendered,
    plain_text,
    render_markdown,
    rendered_ahead,
)

DATA = Path(__file__).resolve().parent / "data" / "markdown"
NNBSP = "\u202f"


def _corpus_root() -> Path | None:
    default = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    if default.is_dir():
        return default
    from_env = os.environ.get("PRESSROOM_CORPUS")
    return Path(from_env) if from_env and Path(from_env).is_dir() else None


CORPUS = _corpus_root()


def _corpus_files() -> list[Path]:
    if CORPUS is None:
        return []
    seed = [CORPUS / "seed-communique.md"] if (CORPUS / "seed-communique.md").is_file() else []
    releases = sorted(
        path
        for path in (CORPUS / "numerique-gouv").glob("*/*")
        if path.suffix in (".md", ".markdown")
    )
    return seed + releases


def render_file(name: str, *, lang: str = "fr") -> Rendered:
    return render_markdown((DATA / name).read_text(encoding="utf-8"), lang=lang)


def html_of(text: str, *, lang: str = "fr") -> str:
    return render_markdown(text, lang=lang).html


# --- kramdown IALs -------------------------------------------------------------------------


def test_block_ial_becomes_allowed_class() -> None:
    assert html_of("Une citation.\n{: .citation}\n") == '<p class="citation">Une citation.</p>\n'


def test_block_ial_keeps_several_allowed_classes() -> None:
    assert '<p class="bleue margin-0">' in html_of("Texte\n{: .bleue .margin-0 } \n")


def test_block_ial_without_space_is_read() -> None:
    assert '<p class="encadre">' in html_of("Texte\n{:.encadre}\n")


def test_unknown_ial_class_is_dropped() -> None:
    html = html_of("Texte\n{: .citation .rouge-vif}\n")
    assert 'class="citation"' in html
    assert "rouge-vif" not in html


def test_ial_id_is_dropped() -> None:
    html = html_of("Texte\n{: #ancre .citation}\n")
    assert "ancre" not in html
    assert "id=" not in html


def test_ial_text_never_shows() -> None:
    assert "{:" not in html_of("Texte\n{: .inconnue}\n\n[lien](https://a.fr){: .inconnue}\n")


def test_ial_under_each_quote_styles_that_quote() -> None:
    html = render_file("quote-with-author.md").html
    assert re.search(r'<blockquote class="citation">\s*<p>Grâce', html)
    assert re.search(r'<blockquote class="auteur-citation">\s*<p><strong>Christelle', html)


def test_ial_after_list_styles_the_list() -> None:
    assert '<ul class="encadre">' in render_file("list-in-box.md").html


def test_ial_after_blank_line_styles_next_block() -> None:
    html = render_file("ial-before-block.md").html
    assert "<p>Un premier paragraphe.</p>" in html
    assert '<p class="text-center">Le paragraphe centré.</p>' in html


def test_ial_under_raw_html_wraps_it() -> None:
    html = render_file("figure-with-ial.md").html
    assert re.search(r'<div class="text-center">\s*<figure class="image-right">', html)
    assert "{:" not in html


def test_ial_before_raw_html_wraps_it() -> None:
    html = html_of("Texte\n\n{: .encadre}\n<div>Encadré</div>\n")
    assert re.search(r'<div class="encadre">\s*<div>Encadré</div>\s*</div>', html)


def test_attribute_list_definition_styles_nothing() -> None:
    assert html_of("Texte\n{:ref: .citation}\n") == "<p>Texte</p>\n"


def test_ial_inside_code_is_left_alone() -> None:
    assert "<code>{: .citation}</code>" in html_of("Écrire `{: .citation}` sous le bloc.")


def test_link_ial_opens_in_new_tab_with_noopener() -> None:
    html = html_of('[beta.gouv.fr](https://beta.gouv.fr/){:target="_blank"}, incubateur')
    assert 'target="_blank"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "</a>, incubateur" in html


def test_link_ial_class_is_applied() -> None:
    html = html_of('[Programme](https://www.fun-mooc.fr/){: target="_blank" .lien-important}')
    assert 'class="lien-important"' in html
    assert 'target="_blank"' in html


def test_image_ial_class_is_applied() -> None:
    html = html_of("![Logo](/uploads/logo.png){: .image-left}")
    assert '<img src="/uploads/logo.png" alt="Logo" class="image-left">' in html


def test_link_ial_target_other_than_blank_is_dropped() -> None:
    assert "target" not in html_of('[a](https://a.fr){:target="cadre"}')


def test_span_ial_after_plain_text_is_dropped() -> None:
    # kramdown ignores a span IAL that follows text: so do we, but its text must go.
    assert html_of("« Une citation »,{: .citation}") == f"<p>«{NNBSP}Une citation{NNBSP}»,</p>\n"


# --- sanitising ----------------------------------------------------------------------------


def test_script_is_removed() -> None:
    html = html_of("Avant\n\n<script>alert('x')</script>\n\nAprès <script>alert(1)</script>")
    assert "<script" not in html
    assert "alert" not in html


def test_style_element_is_removed() -> None:
    assert "color" not in html_of("<style>p { color: red }</style>\n\nTexte")


def test_javascript_link_is_neutralised() -> None:
    html = html_of('[clic](javascript:alert(1)) <a href="javascript:alert(2)">clic</a>')
    assert 'href="javascript' not in html
    assert "<a" in html  # the raw link stays, without its href


def test_data_and_vbscript_urls_are_removed() -> None:
    html = html_of(
        '<a href="data:text/html,x">a</a> <a href="vbscript:msgbox">b</a> '
        '<img src="data:image/png;base64,AAAA" alt="c">'
    )
    assert "data:" not in html
    assert "vbscript:" not in html


def test_event_handler_is_removed() -> None:
    html = html_of('<img src="/uploads/a.png" onerror="alert(1)"> <p onclick="x()">t</p>')
    assert "onerror" not in html
    assert "onclick" not in html
    assert '<img src="/uploads/a.png">' in html


def test_unclosed_tag_is_closed() -> None:
    html = render_file("unclosed-bold.md").html
    assert html.count("<b>") == html.count("</b>") == 1
    assert html.count("<div") == html.count("</div>")


def test_raw_html_class_outside_allow_list_is_dropped() -> None:
    html = html_of('<div class="encadre noir pirate">Texte</div>')
    assert '<div class="encadre noir">' in html


def test_inline_style_is_dropped() -> None:
    assert "margin" not in html_of('<div class="encadre" style="margin-bottom:40px">T</div>')


def test_table_alignment_survives() -> None:
    html = html_of("| a | b |\n|:-:|---|\n| 1 | 2 |\n")
    assert '<td style="text-align:center">1</td>' in html


def test_relative_mailto_and_tel_links_are_kept() -> None:
    html = html_of("[pdf](/uploads/cp.pdf) [m](mailto:presse@x.fr) [t](tel:+33100000000)")
    assert 'href="/uploads/cp.pdf"' in html
    assert 'href="mailto:presse@x.fr"' in html
    assert 'href="tel:+33100000000"' in html


# --- link repairs --------------------------------------------------------------------------


def test_www_link_gets_https_and_warning() -> None:
    rendered = render_markdown("[AMI](www.demarches-simplifiees.fr/commencer/ami)")
    assert 'href="https://www.demarches-simplifiees.fr/commencer/ami"' in rendered.html
    assert rendered.warnings == (
        LinkWarning(
            1,
            "link 'www.demarches-simplifiees.fr/commencer/ami' has no scheme; "
            "rendered as https://www.demarches-simplifiees.fr/commencer/ami",
        ),
    )


def test_bare_email_link_gets_mailto() -> None:
    rendered = render_markdown("[contact@beta.gouv.fr](contact@beta.gouv.fr)")
    assert 'href="mailto:contact@beta.gouv.fr"' in rendered.html
    assert len(rendered.warnings) == 1


def test_doubled_scheme_is_fixed() -> None:
    rendered = render_markdown("[plan](https:/https://www.gouvernement.fr/action/)")
    assert 'href="https://www.gouvernement.fr/action/"' in rendered.html
    assert "repeats its scheme" in rendered.warnings[0].message


@pytest.mark.parametrize("href", ["https:/www.x.fr/a", "https//www.x.fr/a", "https:///www.x.fr/a"])
def test_malformed_scheme_is_fixed(href: str) -> None:
    rendered = render_markdown(f"[x]({href})")
    assert 'href="https://www.x.fr/a"' in rendered.html
    assert len(rendered.warnings) == 1


@pytest.mark.parametrize(
    "href", ["rapport.pdf", "/uploads/cp.pdf", "../page/", "http/page.html", "https://httpbin.org"]
)
def test_ordinary_link_is_not_rewritten(href: str) -> None:
    rendered = render_markdown(f"[x]({href})")
    assert f'href="{href}"' in rendered.html
    assert rendered.warnings == ()


def test_warning_names_the_links_line() -> None:
    assert [w.line for w in render_file("link-on-third-line.md").warnings] == [3]


def test_raw_html_link_is_fixed_with_warning() -> None:
    rendered = render_file("raw-html-link.md")
    assert 'href="https://www.numerique.gouv.fr/outils-agents/"' in rendered.html
    assert [w.line for w in rendered.warnings] == [3]


# --- French typography ---------------------------------------------------------------------


def test_french_spaces_before_colon() -> None:
    assert html_of("Parmi les profils : data scientists") == (
        f"<p>Parmi les profils{NNBSP}: data scientists</p>\n"
    )


@pytest.mark.parametrize("mark", [";", "!", "?"])
def test_french_spaces_before_high_punctuation(mark: str) -> None:
    assert f"postes{NNBSP}{mark}" in html_of(f"Plus de 300 postes {mark} Oui")


def test_french_spaces_inside_guillemets_are_added_or_narrowed() -> None:
    html = html_of("«Créer» et « Innover » et «\u00a0Servir\u00a0»")
    assert f"«{NNBSP}Créer{NNBSP}»" in html
    assert f"«{NNBSP}Innover{NNBSP}»" in html
    assert f"«{NNBSP}Servir{NNBSP}»" in html


def test_french_spaces_reach_across_emphasis() -> None:
    assert f"«{NNBSP}<strong>gras</strong>{NNBSP}»" in html_of("«**gras**»")


def test_nbsp_entity_before_colon_becomes_narrow() -> None:
    assert f"Paris{NNBSP}:" in html_of("Paris&nbsp;: le forum")


def test_no_french_space_inside_url_or_code() -> None:
    html = html_of(
        "Voir <https://a.fr/x?q=1> et `a ; b : c` et "
        '[le site](https://a.fr/a:b "titre : x") ou <a href="/a" title="t : u">b</a>'
    )
    assert NNBSP not in html


def test_no_french_space_in_times_or_schemes() -> None:
    html = html_of("Publié à 11:07 sur http://www.numerique.gouv.fr")
    assert NNBSP not in html


def test_no_french_spacing_for_english() -> None:
    assert NNBSP not in html_of("Contact : press office « quote »", lang="en")


def test_nfd_is_normalised() -> None:
    assert "Numérique" in html_of("Nume\u0301rique")


# --- the corpus's awkward shapes -----------------------------------------------------------


def test_markdown_inside_raw_html_is_rendered() -> None:
    html = render_file("markdown-inside-html.md").html
    assert '<a href="https://www.numerique.gouv.fr/publications/feuille-de-route-dinum/"' in html
    assert "](" not in html


def test_lazy_blockquote_keeps_its_continuation() -> None:
    html = render_file("lazy-blockquote.md").html
    assert re.fullmatch(
        r"<blockquote>\s*<p>La prise.*une geek\.</p>\s*</blockquote>\s*", html, re.S
    )


def test_two_space_line_end_is_a_line_break() -> None:
    assert "État<br>" in render_file("hard-break.md").html


def test_list_items_without_list_are_kept() -> None:
    html = render_file("list-items-without-list.md").html
    assert html.count("<li>") == 2


def test_tabs_nbsp_and_emoji_render() -> None:
    html = render_file("tabs-nbsp-emoji.md").html
    assert "🔴" in html
    assert "<pre><code>un bloc indenté" in html


@pytest.mark.parametrize("level", [1, 2, 4, 6])
def test_headings_keep_their_level(level: int) -> None:
    assert f"<h{level}>Titre</h{level}>" in html_of("#" * level + " Titre")


def test_strikethrough_renders() -> None:
    assert "<s>ancien</s>" in html_of("~~ancien~~ nouveau")


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_empty_body_renders_empty(text: str) -> None:
    assert render_markdown(text) == Rendered("", ())


# --- hostile input -------------------------------------------------------------------------

HOSTILE = {
    "brackets": "[" * 10_000,
    "link openers": "[](" * 10_000,
    "deep quotes": ">" * 5_000 + " texte",
    "quote staircase": "\n".join(">" * depth + " x" for depth in range(300)),
    "ial openers": "{:" * 20_000,
    "ial lines": "{: .citation}\n" * 5_000,
    "emphasis": "*a **b " * 10_000,
    "open divs": "<div>" * 10_000,
    "open comments": "<div><!--" * 10_000,
    "guillemets": "« »" * 20_000,
    "lone surrogate": "a\ud800b",
    "nul": "a\x00b",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_renders_quickly(text: str, caplog: pytest.LogCaptureFixture) -> None:
    started = time.perf_counter()
    plain_text(render_markdown(text).html)
    assert time.perf_counter() - started < 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_random_bytes_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    generator = random.Random(20211118)
    for _ in range(200):
        size = generator.randrange(3_000)
        render_markdown(
            bytes(generator.randrange(256) for _ in range(size)).decode(errors="replace")
        )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_random_markup_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    generator = random.Random(1789)
    alphabet = "[](){}:.#<>*_`!?«»&; \n\t>-|/\\ab"
    for _ in range(200):
        size = generator.randrange(3_000)
        render_markdown("".join(generator.choice(alphabet) for _ in range(size)))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- plain text ----------------------------------------------------------------------------


def test_plain_text_drops_tags_and_collapses_whitespace() -> None:
    html = "<p>Un   <strong>communiqué</strong>\n de presse</p>"
    assert plain_text(html) == "Un communiqué de presse"


def test_plain_text_separates_blocks() -> None:
    assert plain_text("<p>Un</p><p>Deux</p><ul><li>trois</li><li>quatre</li></ul>") == (
        "Un Deux trois quatre"
    )


def test_plain_text_decodes_entities_and_keeps_narrow_spaces() -> None:
    assert plain_text(html_of("R&amp;D : «&nbsp;oui&nbsp;»")) == f"R&D{NNBSP}: «{NNBSP}oui{NNBSP}»"


def test_plain_text_ignores_script_content() -> None:
    assert plain_text("<p>a</p><script>var x = 1;</script>") == "a"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.md")))
def test_rendered_text_is_the_plain_text_of_its_html(name: str) -> None:
    rendered = render_file(name)
    assert rendered.text == plain_text(rendered.html)


# --- rendered ahead ------------------------------------------------------------------------


def test_rendered_ahead_answers_with_the_given_result() -> None:
    given = Rendered("<p>rendu ailleurs</p>", ())
    with rendered_ahead([("Un *texte*", "fr", given)]):
        assert render_markdown("Un *texte*", lang="fr-FR") is given
        assert render_markdown("Un *texte*", lang="en") is not given


def test_rendered_ahead_is_forgotten_after_its_block() -> None:
    with rendered_ahead([("Un *texte*", "fr", Rendered("<p>rendu ailleurs</p>", ()))]):
        pass
    assert render_markdown("Un *texte*").html == "<p>Un <em>texte</em></p>\n"


# --- the module stays core -----------------------------------------------------------------


def test_markdown_imports_no_web_or_pdf_library() -> None:
    code = (
        "import sys, pressroom.markdown; "
        "print(sorted({'flask', 'click', 'weasyprint'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- the real communiqués ------------------------------------------------------------------


def test_allow_list_covers_every_ial_class_of_the_corpus() -> None:
    if CORPUS is None:
        pytest.skip("corpus not found (set PRESSROOM_CORPUS)")
    used = {
        name
        for path in _corpus_files()
        for ial in re.findall(r"\{:([^}]*)\}", path.read_text(encoding="utf-8"))
        for name in re.findall(r"\.([\w-]+)", ial)
    }
    assert used <= ALLOWED_CLASSES


@pytest.mark.skipif(CORPUS is None, reason="corpus not found (set PRESSROOM_CORPUS)")
@pytest.mark.parametrize(
    "path",
    _corpus_files(),
    ids=lambda path: str(path.relative_to(CORPUS)) if CORPUS else str(path),
)
def test_corpus_release_renders_cleanly(path: Path) -> None:
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    chapeau = post.get("chapeau-text")
    for text in (post.content, "" if chapeau is None else str(chapeau)):
        html = render_markdown(text).html
        assert "{:" not in html
        assert "<script" not in html
        assert bool(html.strip()) == bool(text.strip())


@pytest.mark.skipif(CORPUS is None, reason="corpus not found (set PRESSROOM_CORPUS)")
@pytest.mark.parametrize(
    "path",
    _corpus_files(),
    ids=lambda path: str(path.relative_to(CORPUS)) if CORPUS else str(path),
)
def test_corpus_rendered_text_is_the_plain_text_of_its_html(path: Path) -> None:
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    chapeau = post.get("chapeau-text")
    for text in (post.content, "" if chapeau is None else str(chapeau)):
        rendered = render_markdown(text)
        assert rendered.text == plain_text(rendered.html)
