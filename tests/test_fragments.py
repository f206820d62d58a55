"""``{% cache %}``: fragments a static build's pages share are rendered once per key."""

from __future__ import annotations

from typing import Any

from jinja2 import Template

from pressroom.config import Site
from pressroom.render.html import template_environment

COUNTED = "{% cache store, 'entry', key %}<p>{{ count() }} {{ text }}</p>{% endcache %}"


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def _template(site: Site) -> Template:
    return template_environment(site).from_string(COUNTED)


def _store() -> dict[tuple[Any, ...], str]:
    return {}


def _render(template: Template, **context: Any) -> str:
    return template.render({"text": "", "key": 1, **context})


def test_cached_fragment_is_rendered_once_per_key(demo_site: Site) -> None:
    template, count, store = _template(demo_site), Counter(), _store()
    pages = [_render(template, store=store, count=count) for _ in range(3)]
    assert pages == ["<p>1 </p>"] * 3
    assert count.calls == 1


def test_cached_fragments_of_other_keys_are_rendered_apart(demo_site: Site) -> None:
    template, count, store = _template(demo_site), Counter(), _store()
    first = _render(template, store=store, count=count, key=1)
    second = _render(template, store=store, count=count, key=2)
    assert (first, second) == ("<p>1 </p>", "<p>2 </p>")


def test_fragment_without_store_is_rendered_every_time(demo_site: Site) -> None:
    template, count = _template(demo_site), Counter()
    pages = [_render(template, store=None, count=count) for _ in range(2)]
    assert pages == ["<p>1 </p>", "<p>2 </p>"]


def test_cached_fragment_is_escaped_once(demo_site: Site) -> None:
    template, store = _template(demo_site), _store()
    pages = [_render(template, store=store, count=Counter(), text="<b>") for _ in range(2)]
    assert pages == ["<p>1 &lt;b&gt;</p>"] * 2
