"""`python -m gstv`: the same as the `gstv` command."""

import sys

from gstv.cli import main

sys.exit(main())
