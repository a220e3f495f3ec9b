"""bin/manage (issue 17, item 23): a newcomer's manage.py works without reading
the settings first."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bin_manage_runs_a_command_with_nothing_set():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    env["VENV"] = sys.prefix  # the virtualenv running these tests

    result = subprocess.run(
        [str(ROOT / "bin" / "manage"), "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
