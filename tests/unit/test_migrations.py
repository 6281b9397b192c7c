"""Schema changes only through Alembic: the migrated database must match the ORM models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage.base import Base
from bot.storage.database import Database


def test_migrations_match_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
