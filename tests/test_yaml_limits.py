"""The one YAML reader (plans, rule libraries, case files) is bounded: file size, nodes, alias
expansion, depth; what it cannot read is a located issue, never a traceback or a gigabyte."""

from __future__ import annotations

import resource
import time

import pytest

from engine import yamlsource
from engine.yamlsource import parse_yaml, read_yaml


def alias_bomb(levels: int) -> str:
    """The billion-laughs shape: each level a list of nine aliases of the level before."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_quickly_and_small():
    """Found: a 2.7 KB plan with a 7-level bomb took 1.7 GB and 21 s; 9 levels, MemoryError."""
    text = alias_bomb(9)
    assert len(text) < 3000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    document, issues = parse_yaml(text, "bomb.yaml")
    elapsed = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert elapsed < 3 and grown_mb < 200, (elapsed, grown_mb)
    (issue,) = issues
    assert issue.file == "bomb.yaml" and issue.line is not None
    assert "alias" in issue.message
    assert document.data is None


def test_a_recursive_alias_is_a_located_error():
    """Found: `&a [*a]` gave a RecursionError traceback."""
    document, issues = parse_yaml("title: x\nloop: &a [1, *a]\n", "loop.yaml")
    (issue,) = issues
    assert (issue.file, issue.line, issue.path) == ("loop.yaml", 2, "loop[1]")
    assert "refers to itself" in issue.message


def test_ordinary_aliases_still_work():
    document, issues = parse_yaml("m: &m {a: 1}\nx: *m\ny: [*m, *m]\n", "ok.yaml")
    assert issues == [] and document.data == {"m": {"a": 1}, "x": {"a": 1}, "y": [{"a": 1}, {"a": 1}]}


def test_too_many_alias_uses_are_refused(monkeypatch):
    monkeypatch.setattr(yamlsource, "MAX_YAML_ALIASES", 3)
    _, issues = parse_yaml("m: &m 1\nx: [*m, *m, *m]\n", "ok.yaml")
    assert issues == []
    _, issues = parse_yaml("m: &m 1\nx: [*m, *m, *m, *m]\n", "many.yaml")
    (issue,) = issues
    assert (issue.line, issue.path) == (2, "x[3]") and "more than 3 aliases" in issue.message


def test_too_many_nodes_are_refused(monkeypatch):
    monkeypatch.setattr(yamlsource, "MAX_YAML_NODES", 100)
    _, issues = parse_yaml("x: [" + ", ".join(["1"] * 150) + "]\n", "big.yaml")
    (issue,) = issues
    assert issue.line == 1 and "more than 100 values" in issue.message


def test_deep_nesting_is_refused_at_its_line():
    """Found: a condition nested 500 deep gave a RecursionError in `check`."""
    text = "when:\n" + "".join("  " * (depth + 1) + "not:\n" for depth in range(499)) + "  " * 500 + "office: beijing\n"
    _, issues = parse_yaml(text, "deep.yaml")
    (issue,) = issues
    assert issue.file == "deep.yaml" and issue.line == yamlsource.MAX_YAML_DEPTH + 1
    assert f"nested deeper than {yamlsource.MAX_YAML_DEPTH}" in issue.message


def test_flow_nesting_beyond_the_parsers_own_limit_is_located():
    _, issues = parse_yaml("x: " + "[" * 5000 + "]" * 5000, "flow.yaml")
    (issue,) = issues
    assert issue.file == "flow.yaml" and issue.line == 1 and "nest" in issue.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """Found: a 50 MB plan took 65 s and 3.5 GB before its error."""
    monkeypatch.setattr(yamlsource, "MAX_YAML_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("title: " + "x" * 2000 + "\n", encoding="utf-8")
    document, issues = read_yaml(path)
    (issue,) = issues
    assert issue.file == str(path) and "1,000 bytes" in issue.message and document.data is None


def test_a_file_that_is_not_utf8_names_the_byte_and_its_offset(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: ok\nname: caf".encode() + b"\xe9\n")
    _, issues = read_yaml(path)
    (issue,) = issues
    assert issue.file == str(path) and issue.line == 2
    assert "not UTF-8" in issue.message and "0xe9" in issue.message and "byte offset 19" in issue.message


def test_a_missing_file_is_an_issue_not_a_traceback(tmp_path):
    _, issues = read_yaml(tmp_path / "nope.yaml")
    (issue,) = issues
    assert "cannot read" in issue.message


def test_a_huge_scalar_is_never_echoed_whole():
    _, issues = parse_yaml("days: " + "9" * 5000 + "\n", "int.yaml")
    (issue,) = issues
    assert issue.line == 1 and len(str(issue)) < 300


def test_a_complex_key_is_refused_without_building_it():
    _, issues = parse_yaml("? [a, b]\n: 1\n", "key.yaml")
    (issue,) = issues
    assert issue.line == 1 and "keys must be text" in issue.message


@pytest.mark.parametrize("encoding, named", [("gb18030", "GB18030"), ("utf-16", "UTF-16")])
def test_a_plan_saved_in_another_encoding_is_named(tmp_path, encoding, named):
    """Windows tools in China save GB18030 (GBK) or UTF-16: the error says which it looks like."""
    path = tmp_path / "plan.yaml"
    path.write_bytes("plan: 示例\ntitle: 示例住院医疗互助保障\n".encode(encoding))
    _, issues = read_yaml(path)
    (issue,) = issues
    assert issue.file == str(path) and "not UTF-8" in issue.message and "byte offset" in issue.message
    assert named in issue.message and "save the file as UTF-8" in issue.message


def test_a_latin1_byte_is_not_called_gb18030(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_bytes(b"title: ok\nname: \xff\n")
    _, issues = read_yaml(path)
    assert "GB18030" not in issues[0].message and "UTF-16" not in issues[0].message
