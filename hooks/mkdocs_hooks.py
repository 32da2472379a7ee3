"""The MkDocs hook of this checkout: the engine's adapter (notice_engine.mkdocs_adapter).

This checkout's own engine comes first on the path, so the sample builds without
`pip install -e .` too; a notice repository of its own (`notice new`) has a hook
that imports the installed engine instead.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notice_engine.mkdocs_adapter import *  # noqa: E402,F401,F403 - the on_* events
