"""Entry point of the PyInstaller bundle: the `ocpplab` command, i.e. `ocpplab_desktop.cli:main`."""

import sys

from ocpplab_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
