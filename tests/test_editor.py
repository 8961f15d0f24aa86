"""The schemas in a real editor's language server: yaml-language-server (the npm package that VS
Code's YAML extension runs) flags an unknown exclusion id in a plan and offers the known ones,
and completes condition fields and offices. `.ci/run` installs the server into .cache/node when
npm is there; elsewhere this test skips, saying so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from language_server import LanguageServer

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / ".cache" / "node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
INSTALL = "npm install --no-save --prefix .cache/node yaml-language-server@1.25.0"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the yaml-language-server test needs it (apt-get install nodejs npm)")
    if not SERVER.is_file():
        pytest.skip(f"yaml-language-server is not installed: run `{INSTALL}` (.ci/run does)")
    root = tmp_path_factory.mktemp("editor")
    for folder in ("plans", "rules", "schemas"):
        shutil.copytree(ROOT / folder, root / folder)
    language_server = LanguageServer(["node", str(SERVER), "--stdio"], root)
    yield language_server, root
    language_server.close()


def test_an_unknown_exclusion_id_is_flagged_and_the_known_ones_offered(server):
    from engine.loader import read_library

    ls, root = server
    plan = root / "plans" / "inpatient-medical" / "2024.yaml"
    text = plan.read_text(encoding="utf-8").replace("clauses: [pre-existing]", "clauses: [pre-existng]")
    uri = ls.open(plan, text)
    lines = text.splitlines()
    row = next(n for n, line in enumerate(lines) if "clauses: [pre-existng]" in line)

    (diagnostic,) = [d for d in ls.diagnostics(uri) if d["range"]["start"]["line"] == row]
    assert diagnostic["range"]["start"]["character"] == lines[row].index("pre-existng")
    assert "Value is not accepted" in diagnostic["message"] and '"pre-existing"' in diagnostic["message"]

    offered = ls.completion(uri, row, lines[row].index("[") + 1)
    library, _ = read_library(ROOT / "rules")
    assert sorted(offered) == sorted(library.exclusions)
    groups_row = next(n for n, line in enumerate(lines) if "groups: [medical]" in line)
    assert sorted(ls.completion(uri, groups_row, lines[groups_row].index("[") + 1)) == sorted(library.groups)


def test_conditions_complete_their_fields_and_offices(server):
    from engine.vocabulary import FIELDS

    ls, root = server
    plan = root / "plans" / "critical-illness" / "2024.yaml"
    text = plan.read_text(encoding="utf-8").replace("when: {office: xizang}", "when: {office: }")
    uri = ls.open(plan, text)
    lines = text.splitlines()
    row = next(n for n, line in enumerate(lines) if "when: {office: }" in line)
    assert ls.completion(uri, row, lines[row].index("office: ") + len("office: ")) == ["beijing", "jilin", "lanzhou", "xizang", "zunyi"]
    fields = ls.completion(uri, row, lines[row].index("{") + 1)
    assert set(fields) >= set(FIELDS) | {"all", "any", "not", "circumstance", "diagnosis"}
