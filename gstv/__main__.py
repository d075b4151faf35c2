import sys

from gstv.cli import main

sys.exit(main())
