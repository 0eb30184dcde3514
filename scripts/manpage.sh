#!/bin/bash
# Regenerate docs/genpack-tui.1 from the argparse parser (scripts/manpage.py); commit the result.
# tests/genpack_tui/cli/test_manpage.py fails while the committed page differs from the parser.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
"$python" scripts/manpage.py > docs/genpack-tui.1.tmp
mv docs/genpack-tui.1.tmp docs/genpack-tui.1
echo "wrote docs/genpack-tui.1 (view it with: man -l docs/genpack-tui.1)"
