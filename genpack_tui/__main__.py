import sys

from genpack_tui.cli import main

sys.exit(main())
