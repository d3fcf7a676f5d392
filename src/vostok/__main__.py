"""``python -m vostok ...`` (also what ``torchrun -m vostok train ...`` runs)."""

import sys

from vostok.cli import main

sys.exit(main())
