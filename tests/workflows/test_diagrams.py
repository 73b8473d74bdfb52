"""The published workflow diagrams are generated from the machines and cannot drift."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from workflows.diagrams import diagram, diagram_files, embed_diagrams
from workflows.machines import MACHINES

DOCS = Path(settings.BASE_DIR) / "docs"
EDGE_RE = re.compile(r"^    (\w+) --> (\w+): (\w+)", re.M)


def test_the_committed_mmd_files_are_what_the_generator_produces_now() -> None:
    committed = {p.name: p.read_text(encoding="utf-8") for p in (DOCS / "workflows").glob("*.mmd")}
    assert committed == diagram_files()


def test_the_diagrams_embedded_in_the_guide_are_current() -> None:
    guide = (DOCS / "workflows.md").read_text(encoding="utf-8")
    assert embed_diagrams(guide) == guide
    for kind in MACHINES:
        assert f"<!-- workflow-diagram: {kind} -->\n```mermaid\n{diagram(kind)}```" in guide


@pytest.mark.parametrize("kind", list(MACHINES))
def test_every_transition_is_an_edge_labelled_with_its_guard_and_who_may(kind: str) -> None:
    machine = MACHINES[kind]
    text = diagram(kind)
    expected = {
        # A transition without a target (a reassessment) is drawn as a loop.
        (str(t.source), str(t.target or t.source), t.name)
        for t in machine._meta.get_field("state").get_all_transitions(machine)
    }
    assert set(EDGE_RE.findall(text)) == expected
    assert text.startswith("---\ntitle: ")
    assert "\nstateDiagram-v2\n" in text
    for t in machine._meta.get_field("state").get_all_transitions(machine):
        line = next(
            ln
            for ln in text.splitlines()
            if ln.startswith(f"    {t.source} --> {t.target or t.source}: ")
        )
        assert f" - by {t.permission.__doc__}" in line
        for condition in t.conditions:
            assert f"when {condition.__doc__}" in line


def test_the_labels_say_who_may_in_words() -> None:
    asb = diagram("asb")
    assert (
        "    assigned --> in_progress: start_work - by the assigned officer, or asb_coordinator, "
        "manager or case_worker of the responsible agency\n"
    ) in asb
    assert (
        "    risk_assessed --> marac_referred: refer_to_marac (when the risk is high or it is a "
        "repeat) - by any working role (not an auditor) of any agency working on the case\n"
    ) in diagram("vawg")
    assert "    closed --> [*]\n    no_further_action --> [*]\n" in asb


def test_the_command_writes_stale_files_and_check_reports_them(tmp_path: Path) -> None:
    guide = tmp_path / "workflows.md"
    shutil.copy(DOCS / "workflows.md", guide)
    guide.write_text(
        guide.read_text(encoding="utf-8").replace("stateDiagram-v2", "stateDiagram"),
        encoding="utf-8",
    )
    out = tmp_path / "diagrams"
    with pytest.raises(CommandError, match="Stale workflow diagrams"):
        call_command("workflow_diagrams", directory=out, markdown=guide, check=True)
    assert not out.exists()

    call_command("workflow_diagrams", directory=out, markdown=guide)
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == diagram_files()
    assert guide.read_text(encoding="utf-8") == (DOCS / "workflows.md").read_text(encoding="utf-8")
    call_command("workflow_diagrams", directory=out, markdown=guide, check=True)
