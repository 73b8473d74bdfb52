"""The plan of the house, enforced: the import contracts in pyproject.toml fail on a wrong
import, and nothing outside ``workflows.actions`` writes a case's state or version."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("config", "referrals", "workflows", "notifications", "cases", "partners", "web")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_with(tmp_path: Path, module: str, source: str) -> subprocess.CompletedProcess[str]:
    """Run the project's contracts over a copy of the apps with one module added."""
    for app in APPS:
        shutil.copytree(
            ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "*.html")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / (module.replace(".", "/") + ".py")
    path.write_text(source)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_contracts_hold_for_the_code_as_it_is(tmp_path: Path) -> None:
    result = _lint_with(tmp_path, "partners.house_rules_probe", "")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        (
            "partners.upward",
            "import workflows.actions\n",
            "Apps import one way",
        ),
        (
            "web.upward",
            "from cases.models import Case\n",
            "Apps import one way",
        ),
        (
            "referrals.sneaky_event",
            "from notifications.services import emit\n",
            "Only workflows.actions emits case events",
        ),
        (
            "workflows.views.peek",
            "from notifications.models import Delivery\n",
            "Workflows reads notifications through its selectors",
        ),
        (
            "workflows.api.peek",
            "from notifications.api.deliveries import CaseDeliverySerializer\n",
            "Workflows reads notifications through its selectors",
        ),
        (
            "workflows.sla.upward",
            "from workflows.policy import MANAGING_ROLES\n",
            "The SLA clock engine sits below the actions",
        ),
    ],
)
def test_a_wrong_import_fails_the_lint_naming_the_rule(
    tmp_path: Path, module: str, source: str, broken: str
) -> None:
    result = _lint_with(tmp_path, module, source)
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert f"{broken}" in out
    assert "BROKEN" in out
    assert module in out


# --- Only workflows.actions writes a case's state or version ----------------------------

WRITERS = ("workflows/actions/",)
# Attribute names whose assignment changes a case's identity in the chain.
GUARDED = {"version", "state"}


def _writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:  # each an ast.expr, which has a line number
            if isinstance(target, ast.Attribute) and target.attr in GUARDED:
                found.append(f"{path.relative_to(ROOT)}:{target.lineno} .{target.attr}")
    return found


def test_only_the_actions_assign_a_case_state_or_version() -> None:
    offenders = [
        write
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and not str(path.relative_to(ROOT)).startswith(WRITERS)
        for write in _writes(path)
    ]
    assert offenders == [], "case state and version change only in workflows.actions"
