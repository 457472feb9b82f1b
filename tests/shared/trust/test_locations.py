from __future__ import annotations

import os
from pathlib import Path

from shared.trust.locations import Roots, directory_problem, location_problem


def test_a_file_inside_a_root_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    roots = Roots([str(tmp_path / "data")])
    assert location_problem(str(tmp_path / "data" / "a.csv"), roots) is None
    assert location_problem(f"file://{tmp_path}/data/a.csv", roots) is None
    assert location_problem(str(tmp_path / "data" / "*.csv"), roots) is None


def test_a_glob_is_judged_on_what_it_matches(tmp_path: Path) -> None:
    roots = Roots([str(tmp_path)])
    problem = location_problem("/etc/passw[.tsv?d]", roots)
    assert problem is not None and "/etc" in problem
    # A pattern that climbs out of the root through '..' is judged on its real directory.
    assert location_problem(f"{tmp_path}/../*/passwd", roots) is not None


def test_symlinks_out_of_a_root_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "secret.csv").write_text("token\nabc\n")
    os.symlink(tmp_path / "secret.csv", data / "link.csv")
    roots = Roots([str(data)])
    problem = location_problem(str(data / "link.csv"), roots)
    assert problem is not None and "secret.csv" not in (problem or "").split("reaches")[0]
    assert location_problem(str(data / "*.csv"), roots) is not None
    assert location_problem(str(data), roots) is not None  # a directory: its files count


def test_a_prefix_sharing_directory_is_not_inside(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data-other").mkdir()
    (tmp_path / "data-other" / "a.csv").write_text("x\n")
    roots = Roots([str(tmp_path / "data")])
    assert location_problem(str(tmp_path / "data-other" / "a.csv"), roots) is not None


def test_urls_need_a_listed_prefix_at_a_boundary() -> None:
    roots = Roots(["https://data.example.com/in", "s3://bucket/team/"])
    assert location_problem("https://data.example.com/in/a.csv", roots) is None
    assert location_problem("s3://bucket/team/x.parquet", roots) is None
    for refused in (
        "https://data.example.com/inside.csv",
        "https://data.example.com.evil.net/in/a.csv",
        "https://data.example.com/in/../admin/a.csv",
        "https://data.example.com/in/%2e%2e/admin/a.csv",
        "http://127.0.0.1:8080/a.csv",
        "s3://bucket/other/x.parquet",
    ):
        assert location_problem(refused, roots) is not None, refused


def test_store_directories_resolve_before_judging(tmp_path: Path) -> None:
    roots = Roots([str(tmp_path / "results")])
    assert directory_problem(str(tmp_path / "results" / "team"), roots) is None
    assert directory_problem(str(tmp_path / "results" / ".." / "elsewhere"), roots) is not None
    assert directory_problem("results", roots) is not None  # relative: the worker's cwd
    assert directory_problem("/tmp", Roots([])) is not None
