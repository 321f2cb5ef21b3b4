"""`python -m ganstudio` is the same as the `ganstudio` command."""

import sys

from ganstudio.cli import main

if __name__ == "__main__":
    sys.exit(main())
