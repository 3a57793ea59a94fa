# Sourced by scripts/*: make .venv (once) and install the project into it.
# Usage: VENV_EXTRA=dev . scripts/_venv.sh   (the extra is optional; arguments would be the caller's)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
extra="${VENV_EXTRA:-}"
spec="."
[ -n "$extra" ] && spec=".[$extra]"
stamp=".venv/.installed-${extra:-main}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet -e "$spec"
  touch "$stamp"
fi
