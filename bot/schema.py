"""Every table of the gateway database: importing this registers them all on Base.metadata.

Alembic's environment and anything that creates tables directly (benchmarks) import it, so
no feature's tables are left out.
"""

from bot.accounts import models as accounts_models  # noqa: F401
from bot.checkins import models as checkins_models  # noqa: F401
from bot.conversations import models as conversations_models  # noqa: F401
from bot.db import Base
from bot.directory import models as directory_models  # noqa: F401
from bot.handoff import models as handoff_models  # noqa: F401
from bot.review import models as review_models  # noqa: F401

metadata = Base.metadata
