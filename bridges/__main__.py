"""Entry point of `python -m bridges`."""
import sys

from bridges.cli import main

sys.exit(main())
