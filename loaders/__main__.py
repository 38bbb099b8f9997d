"""Entry point of `python -m bridges`, kept as an alias of `python -m bridges`."""
import sys

from bridges.cli import main

sys.exit(main())
