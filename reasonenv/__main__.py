"""`python -m reasonenv`: the same command line as the `reasonenv` console script."""

import sys

from reasonenv.cli import main

if __name__ == "__main__":
    sys.exit(main())
