"""Storage: SQLModel tables, the engine, queries and migrations.

``DEFAULT_URL`` lives here, apart from the engine, so that reading settings does not pay
for importing SQLAlchemy (``elci route`` and other quick commands start faster).
"""

DEFAULT_URL = "sqlite:///elci.db"
