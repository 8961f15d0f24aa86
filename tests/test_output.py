"""Outputs are whole or not there: written beside the target, flushed, fsynced and renamed;
refused before any work when they would destroy an input or go nowhere; a closed or full
standard output is a one-line error and a non-zero exit, never a traceback or exit 0."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import output as output_module
from engine.cli import app
from engine.output import OutputError, atomic_file, check_outputs

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "fixtures" / "claims.jsonl"
FOLDERS = ["--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")]
runner = CliRunner()


def adjudicate(*args: str):
    return runner.invoke(app, ["adjudicate", *args, *FOLDERS])


def one_error_line(result, *words: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [text for text in result.output.splitlines() if text.startswith("error:")]
    for word in words:
        assert word in line, line
    return line


@pytest.fixture
def claims_copy(tmp_path) -> Path:
    path = tmp_path / "claims.jsonl"
    path.write_bytes(CLAIMS.read_bytes())
    return path


def spellings(path: Path, tmp_path: Path) -> list[Path]:
    link = tmp_path / "link.jsonl"
    link.symlink_to(path)
    hard = tmp_path / "hard.jsonl"
    os.link(path, hard)
    return [path, path.parent / "." / path.name, link, hard]


def test_out_naming_the_input_is_refused_and_the_input_untouched(claims_copy, tmp_path):
    """Found: --out naming the input emptied it, adjudicated nothing and exited 0."""
    before = claims_copy.read_bytes()
    for spelling in spellings(claims_copy, tmp_path):
        one_error_line(adjudicate(str(claims_copy), "--out", str(spelling)), "input file", "nothing was written")
        assert claims_copy.read_bytes() == before


def test_out_to_a_folder_or_into_a_missing_folder_is_one_error(tmp_path):
    """Found: both were tracebacks; a missing folder is an error, not created."""
    one_error_line(adjudicate(str(CLAIMS), "--out", str(tmp_path)), "is a folder")
    missing = tmp_path / "no" / "such" / "decisions.jsonl"
    one_error_line(adjudicate(str(CLAIMS), "--out", str(missing)), "does not exist")
    assert not (tmp_path / "no").exists()


def test_a_full_disk_leaves_the_previous_output_whole(tmp_path, monkeypatch):
    """Found: a full disk left a truncated last JSON line and a traceback."""
    target = tmp_path / "decisions.jsonl"
    target.write_text("the previous run\n", encoding="utf-8")

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output_module.os, "fsync", full)
    one_error_line(adjudicate(str(CLAIMS), "--out", str(target)), "No space left on device", str(target))
    assert target.read_text(encoding="utf-8") == "the previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.jsonl"]  # no temporary file left


def test_a_written_output_is_whole_and_replaces_the_old_one(tmp_path):
    target = tmp_path / "decisions.jsonl"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    result = adjudicate(str(CLAIMS), "--out", str(target))
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 9 and all(line.startswith('{"claim_id"') for line in lines)
    assert (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.jsonl"]


def test_an_error_inside_the_block_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_file(target) as stream:
        stream.write("half of the new")
        raise RuntimeError("stopped midway")
    assert target.read_text(encoding="utf-8") == "old" and sorted(tmp_path.iterdir()) == [target]


def test_outputs_are_checked_against_each_other(tmp_path):
    with pytest.raises(OutputError, match="two outputs"):
        check_outputs([tmp_path / "r.md", tmp_path / "." / "r.md"])


def test_diff_refuses_a_report_over_its_corpus_before_any_work(claims_copy):
    before = claims_copy.read_bytes()
    result = runner.invoke(app, ["diff", str(claims_copy), "--base-plans", str(ROOT / "plans"), "--head-plans",
                                 str(ROOT / "plans"), "--rules", str(ROOT / "rules"), "--json", str(claims_copy)])
    one_error_line(result, "input file")
    assert claims_copy.read_bytes() == before


def test_synth_into_a_missing_folder_is_one_error(tmp_path):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path / "nope" / "c.jsonl"), "--claims", "10"])
    one_error_line(result, "does not exist")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "engine.cli", *args, *FOLDERS]


@pytest.mark.parametrize("explain", [False, True], ids=["jsonl", "explain"])
def test_a_closed_stdout_is_an_error_not_a_silent_success(explain):
    """Found: AttributeError; with --explain, exit 0 and the output dropped."""
    args = command("adjudicate", str(CLAIMS), *(["--explain"] if explain else []))
    result = subprocess.run(["bash", "-c", 'exec "$@" >&-', "bash", *args], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == "error: standard output is closed; give --out FILE or redirect it"


def test_a_full_stdout_is_an_error():
    with open("/dev/full", "w") as full:
        result = subprocess.run(command("adjudicate", str(CLAIMS)), stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert errors == ["error: cannot write to standard output: No space left on device"]


def test_kill_9_while_writing_leaves_the_old_output(tmp_path):
    """The rename is the only moment the target changes: killed before it, the old file stays."""
    target = tmp_path / "corpus.jsonl"
    target.write_text("old corpus\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "engine.cli", "synth", "--out", str(target), "--claims", "2000000"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".partial") and p.stat().st_size > 0 for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert target.read_text(encoding="utf-8") == "old corpus\n"
