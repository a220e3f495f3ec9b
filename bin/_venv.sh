# Sourced by bin/run and bin/test: a virtualenv in .venv with the pinned packages,
# reinstalled only when a requirements file changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=${VENV:-.venv}

ensure_venv() {
    local requirements=$1 stamp
    if [ ! -x "$VENV/bin/python" ]; then
        echo "Creating a virtualenv in $VENV with $($PYTHON --version)..."
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    stamp="$VENV/.installed-$(basename "$requirements")"
    if [ ! -f "$stamp" ] || [ -n "$(find requirements*.txt -newer "$stamp")" ]; then
        echo "Installing $requirements..."
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
        touch "$stamp"
    fi
}
