"""Mermaid state diagrams of the three workflows, generated from the machines themselves.

Each edge is read from django_fsm's ``get_all_transitions`` and labelled with the
transition's name, its guard and who may perform it (the docstrings of the condition and
permission callables), so the published diagrams cannot say anything the code does not.
``python manage.py workflow_diagrams`` writes them; a test fails if the committed copies
differ from what this module produces.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cases.models import CaseKind
from workflows.machines import MACHINES

HEADER = "%% Generated from workflows/machines.py by `python manage.py workflow_diagrams`."
# docs/workflows.md embeds each diagram after this marker, in a ```mermaid block.
EMBED_RE = re.compile(
    r"(<!-- workflow-diagram: (?P<kind>[a-z_]+) -->\n```mermaid\n)(.*?)(```)", re.S
)


def _phrase(func: Any) -> str:
    """A callable's one-line docstring, or its name in words when it has none."""
    doc = (getattr(func, "__doc__", None) or "").strip()
    return " ".join(doc.split()) if doc else func.__name__.replace("_", " ")


def _label(transition: Any) -> str:
    label = transition.name
    guards = [_phrase(c) for c in transition.conditions]
    if guards:
        label += f" (when {' and '.join(guards)})"
    if transition.permission:
        label += f" - by {_phrase(transition.permission)}"
    # ':' and ';' end a Mermaid label early; the docstrings must not smuggle one in.
    return label.replace(":", " -").replace(";", ",")


def diagram(kind: str) -> str:
    """The Mermaid ``stateDiagram-v2`` of one kind's machine, ending in a newline."""
    machine = MACHINES[kind]
    states = machine.STATES
    order = [code for code, _ in states]
    transitions = sorted(
        machine._meta.get_field("state").get_all_transitions(machine),
        key=lambda t: (order.index(str(t.source)), t.name),
    )
    leaving = {str(t.source) for t in transitions}
    lines = [
        "---",
        f"title: {CaseKind(kind).label}",
        "---",
        "stateDiagram-v2",
        f"    {HEADER}",
        f"    [*] --> {machine.INITIAL_STATE}",
    ]
    lines += [f"    {code}: {label}" for code, label in states]
    # A transition without a target (a reassessment) stays in its state.
    lines += [f"    {t.source} --> {t.target or t.source}: {_label(t)}" for t in transitions]
    lines += [f"    {code} --> [*]" for code, _ in states if code not in leaving]
    return "\n".join(lines) + "\n"


def diagram_files() -> dict[str, str]:
    """File name -> content for every workflow: ``asb.mmd``, ``vawg.mmd``, ..."""
    return {f"{kind}.mmd": diagram(kind) for kind in MACHINES}


def embed_diagrams(markdown: str) -> str:
    """``markdown`` with every marked ```mermaid block replaced by the current diagram."""
    return EMBED_RE.sub(lambda m: m.group(1) + diagram(m.group("kind")) + m.group(4), markdown)


def _outputs(directory: Path, markdown: Path | None) -> dict[Path, str]:
    outputs = {directory / name: text for name, text in diagram_files().items()}
    if markdown is not None:
        outputs[markdown] = embed_diagrams(markdown.read_text(encoding="utf-8"))
    return outputs


def _differs(path: Path, text: str) -> bool:
    return not path.exists() or path.read_text(encoding="utf-8") != text


def stale_files(*, directory: Path, markdown: Path | None = None) -> list[Path]:
    """The files ``diagrams_write`` would change, without changing them."""
    return [path for path, text in _outputs(directory, markdown).items() if _differs(path, text)]


def diagrams_write(*, directory: Path, markdown: Path | None = None) -> list[Path]:
    """Write the ``.mmd`` files (and refresh the diagrams embedded in ``markdown``).

    Returns the files whose content changed; unchanged files are left untouched.
    """
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for path, text in _outputs(directory, markdown).items():
        if _differs(path, text):
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
