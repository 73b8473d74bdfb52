import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_environment_passes_check_deploy_with_no_warnings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        CSP_TESTING="false",
        SECRET_KEY="k3-" + "x9Qz!r7Lm@p2Vb#t5Nw$e8Yc^u1Hd&j4Gf*s6Ka" * 2,
        ALLOWED_HOSTS="casework.example.gov.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _manage("check", DEBUG="false", CSP_TESTING="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_dash_medium_band_above_the_marac_threshold_refuses_to_start() -> None:
    # The medium band is local (issue 13 item 7) but may not reach past SafeLives' 14.
    result = _manage("check", DEBUG="true", DASH_MEDIUM_FROM="15")
    assert result.returncode != 0
    assert "DASH_MEDIUM_FROM must be 1 to 14" in result.stderr
