"""``python -m logward`` runs the command line."""

import sys

from logward.cli import main

sys.exit(main())
