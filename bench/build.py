"""Static build time, pressroom against Jekyll 4, on the corpus repeated to ~1,000 releases.

Run by hand (never in the test suite): ``.venv/bin/python bench/build.py [--copies 13]``.
Needs Debian's ``jekyll`` (``apt-get install jekyll``). Both builds are cold (no cache, empty
output, and for pressroom no compiled templates either; its Python bytecode is written first,
as an installed package has it), HTML only; each is timed as a subprocess, alternately, best of
``--runs``, with its CPU time (workers included); pressroom is also timed in one process
(``--jobs 1``), to show what the machine's cores give. Then one release is changed and both
rebuild: pressroom incrementally, Jekyll with ``--incremental``.
Goals: pressroom's full build at most half of Jekyll's, its incremental one under a tenth.

The full builds run twice: on the corpus repeated as it is, as the issue describes, and on
copies made distinct by one sentence each. Both tools convert a Markdown text they have seen
in the same build only once (Jekyll 4's converter caches by content; pressroom renders once
the releases sharing their texts), so the repeated corpus converts 82 texts, not 1,053, and
the distinct one shows what a site of as many different releases costs.

The incremental rebuild is measured two ways: a one-shot ``pressroom build`` process (Python's
start-up and the loading of the parse cache included), and ``pressroom build --watch``, from
the moment a release file is saved to the moment the watch says its pages are written.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "numerique-gouv" / "communiques"
PRESSROOM = [str(REPO / ".venv" / "bin" / "pressroom")]

JEKYLL_CONFIG = """\
title: Espace presse
collections:
  communiques:
    output: true
    permalink: /espace-presse/:title/
defaults:
  - scope: {type: communiques}
    values: {layout: communique}
exclude: [releases, instance, pressroom.toml]
"""

# The same fields as pressroom's page: banner, title, chapeau, category | date, body, tags,
# press contact, files; and an index listing every release newest first.
JEKYLL_LAYOUT = """\
<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ page.title }}</title>
<link rel="canonical" href="{{ page.url | absolute_url }}"></head>
<body><main>
{% for item in page.une-ou-diaporama %}{% if item.image %}
<img src="{{ item.image }}" alt="{{ item.alternative-textuelle }}">{% endif %}{% endfor %}
<h1>{{ page.title }}</h1>
<div class="chapeau">{{ page.chapeau-text | markdownify }}</div>
<p>{{ page.categories | first }} | {{ page.date | date: "%-d %B %Y" }}</p>
<div class="body">{{ content }}</div>
<ul>{% for tag in page.tags %}
<li><a href="/espace-presse/tag/{{ tag | slugify }}/">{{ tag }}</a></li>{% endfor %}</ul>
{% if page.contact-presse %}<aside><h2>Contact presse</h2><p>{{ page.contact-presse.name }}</p>
{% for tel in page.contact-presse.tel %}<p>{{ tel }}</p>{% endfor %}
<p><a href="mailto:{{ page.contact-presse.email }}">{{ page.contact-presse.email }}</a></p>
</aside>{% endif %}
<ul>{% for f in page.files %}<li><a href="{{ f.file }}">{{ f.nom }}</a></li>{% endfor %}</ul>
</main></body></html>
"""

JEKYLL_INDEX = """\
---
layout: null
---
<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Communiqués</title></head>
<body><ol>{% assign releases = site.communiques | sort: "date" | reverse %}
{% for r in releases %}<li><a href="{{ r.url }}">{{ r.title }}</a> {{ r.date | date: "%-d %B %Y" }}
<p>{{ r.chapeau-text | markdownify | strip_html | truncate: 300 }}</p></li>{% endfor %}
</ol></body></html>
"""


def make_sources(root: Path, copies: int, distinct: bool = False) -> tuple[Path, Path, int]:
    """A pressroom site and a Jekyll site holding the same release files.

    ``distinct``: each copy ends with its own sentence, so no text is seen twice.
    """
    site = root / "site"
    jekyll = root / "jekyll"
    (site / "releases").mkdir(parents=True)
    (jekyll / "_communiques").mkdir(parents=True)
    (jekyll / "_layouts").mkdir()
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".md", ".markdown"))
    count = 0
    for number in range(copies):
        for path in files:
            # Names stay under 255 bytes; each copy gets its own slug, hence its own URL.
            stem = path.stem.encode()[:200].decode(errors="ignore")
            name = path.name if number == 0 else f"{stem}-copie-{number}{path.suffix}"
            text = path.read_bytes()
            if distinct and number:
                text = text.rstrip(b"\n") + f"\n\nCopie n° {number}.\n".encode()
            (site / "releases" / name).write_bytes(text)
            (jekyll / "_communiques" / name).write_bytes(text)
            count += 1
    (site / "pressroom.toml").write_text('[site]\nbase_url = "https://presse.example.org"\n')
    (jekyll / "_config.yml").write_text(JEKYLL_CONFIG)
    (jekyll / "_layouts" / "communique.html").write_text(JEKYLL_LAYOUT)
    (jekyll / "index.html").write_text(JEKYLL_INDEX)
    return site, jekyll, count


# CPU seconds (user and system, all processes) the last ``timed`` command used.
last_cpu = [0.0]


def timed(command: list[str], cwd: Path | None = None) -> float:
    """Wall time of a command; its CPU time, workers included, goes to ``last_cpu``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    last_cpu[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall


def compile_bytecode() -> None:
    """Write pressroom's Python bytecode first, as ``pip install`` does for an installed
    package. An editable install in an environment that sets ``PYTHONDONTWRITEBYTECODE``
    (this machine's does) would otherwise compile every module again in every timed build:
    0.4 s instead of 0.25 s to import on this machine, a cost no installed copy pays."""
    command = [sys.executable, "-m", "compileall", "-q", str(REPO / "pressroom")]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def forget_compiled_templates() -> None:
    """Remove the templates pressroom compiled in earlier runs (kept in Jinja's folder in the
    temporary directory, as Python keeps bytecode): a cold build compiles them again."""
    folder = Path(tempfile.gettempdir()) / f"_jinja2-cache-{os.getuid()}"
    for kept in folder.glob("pressroom-*.cache"):
        kept.unlink(missing_ok=True)


def pressroom_build(site: Path, out: Path, clean: bool, jobs: int | None = None) -> float:
    if clean:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(site / "instance", ignore_errors=True)
        forget_compiled_templates()
    command = [*PRESSROOM, "--site", str(site), "build", "--out", str(out), "--no-pdf"]
    return timed(command + (["--jobs", str(jobs)] if jobs else []))


def jekyll_build(source: Path, out: Path, clean: bool, incremental: bool = False) -> float:
    if clean:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(source / ".jekyll-cache", ignore_errors=True)
        (source / ".jekyll-metadata").unlink(missing_ok=True)
    command = ["jekyll", "build", "--quiet", "-s", str(source), "-d", str(out)]
    return timed(command + (["--incremental"] if incremental else []))


Timing = tuple[float, float]  # wall and CPU seconds


def full_builds(site: Path, jekyll: Path, root: Path, runs: int) -> tuple[Timing, Timing, Timing]:
    """Best cold build of each (pressroom, pressroom in one process, Jekyll), run alternately
    so that a busy moment or the disk flushing the previous build's files weighs on all."""
    ours, alone, theirs = [], [], []
    for _ in range(runs):
        ours.append((pressroom_build(site, root / "out", clean=True), last_cpu[0]))
        alone.append((pressroom_build(site, root / "out", clean=True, jobs=1), last_cpu[0]))
        theirs.append((jekyll_build(jekyll, root / "_site", clean=True), last_cpu[0]))
    return min(ours), min(alone), min(theirs)


def touch_one(folder: Path) -> None:
    """Change one release's body, as an edit would."""
    path = sorted(folder.glob("franceconnect-cap-20-millions-utilisateurs*"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nUne phrase ajoutée.\n", encoding="utf-8")


def watch_rebuilds(site: Path, out: Path, repeats: int) -> list[tuple[float, float]]:
    """(seconds from save to the watch's line, seconds the watch says it took), per save."""
    command = [*PRESSROOM, "--site", str(site), "build", "--out", str(out), "--no-pdf", "--watch"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
    stdout = process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()

    def rebuilt() -> float:
        """Wait for the next 'N pages rewritten in X ms' line (French: the site's language);
        gives X in seconds."""
        line = r"[\d\u202f,]+ pages? (?:rewritten|réécrites?).* (?:in|en) (\d+) ms$"
        while True:
            found = re.match(line, lines.get(timeout=120).strip())
            if found:
                return int(found[1]) / 1000

    try:
        rebuilt()  # the first build
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            touch_one(site / "releases")
            reported = rebuilt()
            timings.append((time.perf_counter() - start, reported))
        return timings
    finally:
        process.send_signal(signal.SIGTERM)  # the watch stops cleanly on SIGTERM as on Ctrl-C
        process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=13, help="corpus copies (13 → ~1,050)")
    parser.add_argument("--runs", type=int, default=3, help="full builds of each, best kept")
    parser.add_argument("--repeats", type=int, default=7, help="incremental rebuilds, median")
    parser.add_argument("--dir", help="where the sites are made and built (default: the temp dir)")
    args = parser.parse_args()
    if shutil.which("jekyll") is None:
        print("bench: Debian's jekyll is needed (apt-get install jekyll)", file=sys.stderr)
        return 2
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-", dir=args.dir) as tmp:
        root = Path(tmp)
        for distinct in (True, False):  # the repeated corpus last: the rebuilds reuse it
            shutil.rmtree(root / "site", ignore_errors=True)
            shutil.rmtree(root / "jekyll", ignore_errors=True)
            site, jekyll, count = make_sources(root, args.copies, distinct)
            kind = "distinct copies" if distinct else "repeated corpus"
            print(f"{kind}: {count} release files (drafts and the URL-less ones included)")
            built = full_builds(site, jekyll, root, args.runs)
            (ours, our_cpu), (alone, alone_cpu), (theirs, their_cpu) = built
            pages = sum(1 for _ in (root / "out").rglob("*.html"))
            jekyll_pages = sum(1 for _ in (root / "_site").rglob("*.html"))
            print(
                f"full build   pressroom {ours:6.2f} s, CPU {our_cpu:5.2f} s"
                f" ({pages} HTML pages, feeds, search index)"
            )
            print(
                f"  in one process (--jobs 1) {alone:6.2f} s, CPU {alone_cpu:5.2f} s:"
                f" {len(os.sched_getaffinity(0))} cores make it {alone / ours:4.2f} times as fast"
            )
            print(
                f"full build   jekyll    {theirs:6.2f} s, CPU {their_cpu:5.2f} s"
                f" ({jekyll_pages} HTML pages)"
            )
            print(f"ratio pressroom/jekyll {ours / theirs:6.2f}   (goal <= 0.50)")

        pressroom_build(site, root / "out", clean=False)  # warm: nothing to do
        one_shot = []
        for _ in range(args.repeats):
            touch_one(site / "releases")
            one_shot.append(pressroom_build(site, root / "out", clean=False))
        incremental = statistics.median(one_shot)
        print(f"incremental  pressroom {incremental:6.2f} s after one change, one-shot process")
        print(f"ratio one-shot incremental/jekyll full {incremental / theirs:6.3f}   (goal < 0.10)")
        watched = watch_rebuilds(site, root / "out", args.repeats)
        latency = statistics.median(t for t, _ in watched)
        inside = statistics.median(r for _, r in watched)
        print(
            f"incremental  pressroom {latency:6.3f} s from save to pages written, --watch "
            f"({inside:.3f} s rebuilding)"
        )
        print(f"ratio --watch incremental/jekyll full {latency / theirs:6.3f}   (goal < 0.10)")

        jekyll_build(jekyll, root / "_site", clean=True, incremental=True)
        touch_one(jekyll / "_communiques")
        again = jekyll_build(jekyll, root / "_site", clean=False, incremental=True)
        print(f"incremental  jekyll    {again:6.2f} s (jekyll --incremental, for reference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
