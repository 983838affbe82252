"""`python -m archiver` is the `archiver` console script."""

import sys

from archiver.cli import main

sys.exit(main())
