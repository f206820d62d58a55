"""``pressroom check`` points at the file line of a doubtful link, wherever the body starts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom.check import check_site
from pressroom.config import Site

CASES = Path(__file__).parent / "data" / "check"


@pytest.mark.parametrize(
    ("name", "line"), [("blank-line-after-fence.md", 8), ("text-right-after-fence.md", 7)]
)
def test_link_warning_names_the_file_line(
    make_site: Callable[..., Site], name: str, line: int
) -> None:
    site = make_site([CASES / name])
    (warning,) = [p for p in check_site(site) if "link" in p.message]
    assert warning.line == line
    assert warning.severity == "warning"
