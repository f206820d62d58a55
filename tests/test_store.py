"""The site on disk: which files are releases, the cache, duplicates and atomic writes."""

from __future__ import annotations

import dataclasses
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom import parallel, search, search_static
from pressroom.buildcache import Entry, ReleaseCache, cache_format
from pressroom.config import Site
from pressroom.errors import ConflictError, ReleaseError
from pressroom.frontmatter_edit import DELETE
from pressroom.store import FileVersion, ReleaseStore, load_catalog, save_release, write_atomic

GOOD = "---\ntitle: {title}\ndate: 2021-11-18 11:07:00 +01:00\n---\nCorps.\n"


def test_only_md_and_markdown_files_are_releases(make_site: Callable[..., Site]) -> None:
    site = make_site(
        {
            "a.md": GOOD.format(title="A"),
            "b.markdown": GOOD.format(title="B"),
            "c.old": GOOD.format(title="C"),
            "uploads/d.md": GOOD.format(title="D"),
        }
    )
    catalog = load_catalog(site)
    assert sorted(r.title for r in catalog.releases) == ["A", "B"]


def test_date_prefix_is_not_part_of_the_slug(make_site: Callable[..., Site]) -> None:
    site = make_site({"2021-11-18-forum-emploi.md": GOOD.format(title="Forum")})
    assert load_catalog(site).releases[0].url == "/espace-presse/forum-emploi/"


def test_one_bad_file_does_not_stop_the_others(make_site: Callable[..., Site]) -> None:
    site = make_site({"bad.md": "---\ntitle: [\n---\n", "good.md": GOOD.format(title="Bon")})
    catalog = load_catalog(site)
    assert [r.title for r in catalog.releases] == ["Bon"]
    assert [p.path for p in catalog.errors] == ["releases/bad.md"]


def test_duplicate_url_names_both_files(make_site: Callable[..., Site]) -> None:
    site = make_site(
        {
            "forum.md": GOOD.format(title="Un"),
            "2020-01-01-forum.markdown": GOOD.format(title="Deux"),
        }
    )
    catalog = load_catalog(site)
    assert len(catalog.releases) == 1
    (error,) = catalog.errors
    assert "releases/forum.md" in error.message
    assert "releases/2020-01-01-forum.markdown" in error.message


def test_slugs_differing_by_case_are_distinct(make_site: Callable[..., Site]) -> None:
    site = make_site({"Forum.md": GOOD.format(title="A"), "forum.markdown": GOOD.format(title="B")})
    catalog = load_catalog(site)
    assert not catalog.errors
    assert catalog.get("Forum").title == "A"
    assert catalog.get("forum").title == "B"


def test_missing_upload_is_a_warning(make_site: Callable[..., Site]) -> None:
    text = GOOD.replace("---\nCorps", "une-ou-diaporama:\n- image: /uploads/absent.png\n---\nCorps")
    site = make_site({"a.md": text.format(title="A")})
    (warning,) = load_catalog(site).problems
    assert str(warning) == "releases/a.md:4: warning: missing image /uploads/absent.png"


def test_store_rereads_only_changed_files(make_site: Callable[..., Site]) -> None:
    site = make_site({"a.md": GOOD.format(title="A"), "b.md": GOOD.format(title="B")})
    store = ReleaseStore(site)
    first = store.load()
    assert store.load() is first
    b = site.releases_dir / "b.md"
    b.write_text(GOOD.format(title="B2"), encoding="utf-8")
    os.utime(b, ns=(1, 1))  # a different mtime even on coarse clocks
    second = store.load()
    assert {r.title for r in second.releases} == {"A", "B2"}
    unchanged_a = next(r for r in second.releases if r.title == "A")
    assert unchanged_a is next(r for r in first.releases if r.title == "A")


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    version = write_atomic(target, b"one")
    write_atomic(target, b"two", expected=version)
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_write_atomic_refuses_a_stale_version(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    stale = write_atomic(target, b"one")
    write_atomic(target, b"someone else's edit")
    with pytest.raises(ConflictError, match="changed by someone else"):
        write_atomic(target, b"mine", expected=stale)
    assert target.read_bytes() == b"someone else's edit"


def test_file_version_is_content_based() -> None:
    assert FileVersion.of(b"x") == FileVersion.of(b"x") != FileVersion.of(b"y")


SEED = "releases/2021-11-18-numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech.md"


def test_saving_an_unchanged_release_does_not_touch_the_file(demo_site: Site) -> None:
    path = demo_site.root / SEED
    os.utime(path, ns=(1, 1))
    release = load_catalog(demo_site).find_url(
        "/espace-presse/numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech/"
    )
    assert release is not None
    save_release(demo_site, path, dict(release.metadata))
    assert path.stat().st_mtime_ns == 1


def test_saving_one_field_rewrites_only_its_lines(demo_site: Site) -> None:
    path = demo_site.root / SEED
    before = path.read_text(encoding="utf-8").splitlines()
    save_release(demo_site, path, {"title": "Nouveau titre"})
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(before[1], "title: Nouveau titre")]


def test_saving_a_change_that_breaks_the_release_writes_nothing(demo_site: Site) -> None:
    path = demo_site.root / SEED
    original = path.read_bytes()
    with pytest.raises(ReleaseError, match="missing title"):
        save_release(demo_site, path, {"title": DELETE})
    assert path.read_bytes() == original


def test_saving_over_someone_elses_edit_is_a_conflict(demo_site: Site) -> None:
    path = demo_site.root / SEED
    opened = FileVersion.of(path.read_bytes())
    save_release(demo_site, path, {"tags": ["autre"]})
    with pytest.raises(ConflictError):
        save_release(demo_site, path, {"title": "Mon titre"}, expected=opened)
    assert "Mon titre" not in path.read_text(encoding="utf-8")


def test_write_atomic_keeps_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"one")
    target.chmod(0o640)
    write_atomic(target, b"two")
    assert target.stat().st_mode & 0o777 == 0o640


def test_write_atomic_gives_new_files_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "new.md"
    write_atomic(target, b"x")
    assert target.stat().st_mode & 0o777 == 0o666 & ~_current_umask()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_atomic_create_only_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_atomic(target, b"first", create_only=True)
    with pytest.raises(ConflictError, match="created by someone else"):
        write_atomic(target, b"second", create_only=True)
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def _age(folder: Path) -> None:
    """Set a folder's time an hour back, as a folder nobody changed lately has."""
    old = folder.stat().st_mtime_ns - 3600 * 10**9
    os.utime(folder, ns=(old, old))


def _rewrite_in_place(path: Path, text: str) -> None:
    """What an editor writing into the file itself does: its folder's time stays."""
    folder_time = path.parent.stat().st_mtime_ns
    later = path.stat().st_mtime_ns + 10**9  # a new time even on a coarse clock
    with open(path, "r+", encoding="utf-8") as file:
        file.truncate()
        file.write(text)
    os.utime(path, ns=(later, later))
    os.utime(path.parent, ns=(folder_time, folder_time))


def test_current_catalog_sees_an_in_place_rewrite_after_the_recheck_delay(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site({"a.md": GOOD.format(title="A")})
    _age(site.releases_dir)
    store = ReleaseStore(site, recheck=2.0)
    clock = [1000.0]
    monkeypatch.setattr("pressroom.store.time.monotonic", lambda: clock[0])
    first = store.current()
    _rewrite_in_place(site.releases_dir / "a.md", GOOD.format(title="A2"))
    clock[0] += 1.9
    assert store.current() is first  # between full checks, only folders are looked at
    assert [r.title for r in store.load().releases] == ["A2"]  # a full check sees it
    _rewrite_in_place(site.releases_dir / "a.md", GOOD.format(title="A3"))
    clock[0] += 2.0
    assert [r.title for r in store.current().releases] == ["A3"]


def test_current_catalog_sees_a_saved_release_at_once(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site({"a.md": GOOD.format(title="A"), "2021/b.md": GOOD.format(title="B")})
    _age(site.releases_dir / "2021")
    _age(site.releases_dir)
    store = ReleaseStore(site, recheck=3600.0)
    monkeypatch.setattr("pressroom.store.time.monotonic", lambda: 1000.0)
    store.current()
    write_atomic(site.releases_dir / "2021" / "b.md", GOOD.format(title="B2").encode())
    assert sorted(r.title for r in store.current().releases) == ["A", "B2"]
    (site.releases_dir / "c.md").write_text(GOOD.format(title="C"), encoding="utf-8")
    assert sorted(r.title for r in store.current().releases) == ["A", "B2", "C"]
    (site.releases_dir / "2021" / "b.md").unlink()
    (site.releases_dir / "2021").rmdir()
    assert sorted(r.title for r in store.current().releases) == ["A", "C"]


def test_current_catalog_checks_in_full_after_a_change_too_recent_to_trust(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder changed a moment before a check may change again within the same tick of the
    file clock, keeping its time: until a check comes well after the change, each is full."""
    site = make_site({"a.md": GOOD.format(title="A")})
    # Changed "just now": a second ahead, so that a slow run cannot age it past the margin.
    just_now = time.time_ns() + 10**9
    os.utime(site.releases_dir, ns=(just_now, just_now))
    store = ReleaseStore(site, recheck=3600.0)
    monkeypatch.setattr("pressroom.store.time.monotonic", lambda: 1000.0)
    store.current()
    _rewrite_in_place(site.releases_dir / "a.md", GOOD.format(title="A2"))
    assert [r.title for r in store.current().releases] == ["A2"]


def test_missing_upload_warning_goes_when_the_upload_comes(make_site: Callable[..., Site]) -> None:
    text = GOOD.replace("---\nCorps", "une-ou-diaporama:\n- image: /uploads/later.png\n---\nCorps")
    site = make_site({"a.md": text.format(title="A")})
    store = ReleaseStore(site)
    assert [p.message for p in store.load().problems] == ["missing image /uploads/later.png"]
    (site.uploads_dir / "later.png").write_bytes(b"\x89PNG")
    assert store.load().problems == ()  # the release file itself did not change
    assert store.read == []


def _persisting(site: Site) -> ReleaseStore:
    """A store as the web app makes it: starting from, and leaving, parsed files in instance/."""
    return ReleaseStore(site, persist=True)


def _left_in_instance(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch, files: dict[str, str]
) -> Site:
    """A site whose releases a first server start read and left in instance/."""
    monkeypatch.setattr("pressroom.store.SAVE_AFTER_READING", 1)
    site = make_site(files)
    _persisting(site).load()
    return site


def test_a_restarted_store_reads_only_the_files_changed_meanwhile(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pressroom.store.SAVE_AFTER_READING", 3)
    files = {f"r{n}.md": GOOD.format(title=f"R{n}") for n in range(4)}
    site = make_site(files)
    first = _persisting(site)
    assert len(first.load().releases) == 4
    assert len(first.read) == 4  # the first start reads them all, and keeps them
    changed = site.releases_dir / "r2.md"
    changed.write_text(GOOD.format(title="R2 bis"), encoding="utf-8")
    os.utime(changed, ns=(1, 1))
    restarted = _persisting(site)
    titles = sorted(r.title for r in restarted.load().releases)
    assert titles == ["R0", "R1", "R2 bis", "R3"]
    assert restarted.read == [str(changed)]


def test_a_store_that_read_few_files_leaves_instance_alone(make_site: Callable[..., Site]) -> None:
    site = make_site({"a.md": GOOD.format(title="A")})
    _persisting(site).load()
    assert not (site.instance_dir / "build-cache.pickle").exists()


def test_a_store_saves_again_what_it_no_longer_keeps_pickled(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server drops the pickled form of what it read (memory); a later save makes it again."""
    monkeypatch.setattr("pressroom.store.SAVE_AFTER_READING", 2)
    site = make_site({f"r{n}.md": GOOD.format(title=f"R{n}") for n in range(3)})
    store = _persisting(site)
    store.load()
    for n in (0, 1):
        path = site.releases_dir / f"r{n}.md"
        path.write_text(GOOD.format(title=f"R{n} bis"), encoding="utf-8")
        os.utime(path, ns=(1, 1))
    store.load()  # two files read: saved again, r2's entry packed anew
    restarted = _persisting(site)
    assert sorted(r.title for r in restarted.load().releases) == ["R0 bis", "R1 bis", "R2"]
    assert restarted.read == []


def test_a_restarted_store_still_checks_the_uploads(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pressroom.store.SAVE_AFTER_READING", 1)
    text = GOOD.replace("---\nCorps", "une-ou-diaporama:\n- image: /uploads/later.png\n---\nCorps")
    site = make_site({"a.md": text.format(title="A")})
    assert len(_persisting(site).load().problems) == 1
    (site.uploads_dir / "later.png").write_bytes(b"\x89PNG")
    restarted = _persisting(site)
    assert restarted.load().problems == ()
    assert restarted.read == []


def test_releases_kept_by_another_release_model_are_read_again(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _left_in_instance(make_site, monkeypatch, {"a.md": GOOD.format(title="A")})
    monkeypatch.setattr("pressroom.buildcache.cache_format", lambda: "an upgraded pressroom")
    restarted = _persisting(site)
    assert [r.title for r in restarted.load().releases] == ["A"]
    assert restarted.read == [str(site.releases_dir / "a.md")]


def test_the_cache_format_follows_the_fields_of_what_it_keeps() -> None:
    before = dataclasses.make_dataclass("Release", ["title"])
    after = dataclasses.make_dataclass("Release", ["title", "subtitle"])
    assert cache_format((before,)) != cache_format((after,))
    assert cache_format((before,)) == cache_format(
        (dataclasses.make_dataclass("Release", ["title"]),)
    )


def test_a_damaged_cache_file_only_costs_a_full_read(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _left_in_instance(make_site, monkeypatch, {"a.md": GOOD.format(title="A")})
    kept = site.instance_dir / "build-cache.pickle"
    kept.write_bytes(kept.read_bytes()[:-40])  # cut short, as a full disk would leave it
    restarted = _persisting(site)
    assert [r.title for r in restarted.load().releases] == ["A"]
    assert restarted.read == [str(site.releases_dir / "a.md")]


def test_a_kept_release_that_cannot_be_unpacked_is_read_again(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry pickled by a pressroom whose functions moved fails only when unpacked."""
    site = _left_in_instance(
        make_site, monkeypatch, {"a.md": GOOD.format(title="A"), "b.md": GOOD.format(title="B")}
    )
    kept = site.instance_dir / "build-cache.pickle"
    data = pickle.loads(kept.read_bytes())
    a = str(site.releases_dir / "a.md")
    entry = data["entries"][a]
    data["entries"][a] = Entry(entry.version, entry.facts, b"\x80\x05cpressroom.gone\nthing\n.")
    kept.write_bytes(pickle.dumps(data))
    restarted = _persisting(site)
    assert sorted(r.title for r in restarted.load().releases) == ["A", "B"]
    assert restarted.read == [a]


def test_a_command_reading_the_releases_once_works_out_no_search_words(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pressroom check``, ``pdf --all``, ``send``: the words are half the cost of a file."""

    def refused(release: object) -> tuple[str, str]:
        raise AssertionError("search words worked out for a one-time read")

    monkeypatch.setattr("pressroom.buildcache.index_words", refused)
    site = make_site({"a.md": GOOD.format(title="A")})
    store = ReleaseStore(site)
    (release,) = store.load().releases
    assert store.words_of(release) is None
    assert [r.title for r in load_catalog(site).releases] == ["A"]


def test_a_text_filed_twice_has_its_search_words_worked_out_once(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like its Markdown: a release copied under another name costs no second reading."""
    search_static._text_words.cache_clear()
    read: list[str] = []
    real_words = search.words

    def counted(text: str) -> set[str]:
        read.append(text)
        return real_words(text)

    monkeypatch.setattr(search, "words", counted)
    text = GOOD.format(title="Un État plus ouvert")
    site = make_site({"a.md": text, "copie-de-a.md": text, "b.md": GOOD.format(title="B")})
    cache = ReleaseCache(site, parallel=False)
    releases = cache.catalog().releases
    assert len(read) == 4  # title and text, of a and of b
    words = {r.slug: cache.words_of(r) for r in releases}
    assert words["a"] == words["copie-de-a"] != words["b"]
    assert "etat" in words["a"][1].split()  # type: ignore[index]


def test_workers_reading_the_files_leave_this_process_free_for_other_work(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build loads what its page workers need while its workers read the files; a
    rebuild reading a few files in-process does not (its pages may need none of it)."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    monkeypatch.setattr(parallel, "_workers", lambda: 2)
    site = make_site({f"r{n}.md": GOOD.format(title=f"R{n}") for n in range(3)})
    cache = ReleaseCache(site)
    ran: list[int] = []
    catalog = cache.catalog(meanwhile=lambda: ran.append(os.getpid()))
    assert len(catalog.releases) == 3
    assert ran == [os.getpid()]  # in this process, once
    path = site.releases_dir / "r1.md"
    path.write_text(GOOD.format(title="R1 bis"), encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert "R1 bis" in [r.title for r in cache.catalog(meanwhile=lambda: ran.append(0)).releases]
    assert ran == [os.getpid()]
