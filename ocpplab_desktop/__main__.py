"""`python -m ocpplab_desktop`: the same as the `ocpplab` command."""

import sys

from ocpplab_desktop.cli import main

sys.exit(main())
