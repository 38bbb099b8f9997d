"""Entry point of `python -m loaders`."""
import sys

from .cli import main

sys.exit(main())
