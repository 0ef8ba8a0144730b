"""Make the repository importable when a bench script is run as `python bench/<script>.py`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
