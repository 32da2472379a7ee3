"""The MkDocs hook of this notice: it hands MkDocs' events to the installed engine.

The engine is a pinned dependency (requirements.txt), not code in this repository:
upgrading it changes that pin and nothing else here.
"""

from notice_engine.mkdocs_adapter import *  # noqa: F401,F403 - the on_* events
