"""The message search index: the terms table, and each engine's full-text index over it
(docs/decisions/0010-desk-search.md)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# SQLite: a contentless FTS5 table (the terms are stored once, in desk_search_indexedmessage)
# with the workspace as a term of its own column, kept in step by triggers. The tokenizer only
# splits on spaces here: terms are letters and digits already (search/text.py).
_SQLITE = [
    """CREATE VIRTUAL TABLE desk_search_fts USING fts5(
        ws, terms, content='', tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER desk_search_fts_insert AFTER INSERT ON desk_search_indexedmessage BEGIN
        INSERT INTO desk_search_fts (rowid, ws, terms)
        VALUES (new.message_id, 'w' || new.workspace_id, new.terms);
    END""",
    # A contentless table forgets a row only when told the values it was given.
    """CREATE TRIGGER desk_search_fts_delete AFTER DELETE ON desk_search_indexedmessage BEGIN
        INSERT INTO desk_search_fts (desk_search_fts, rowid, ws, terms)
        VALUES ('delete', old.message_id, 'w' || old.workspace_id, old.terms);
    END""",
    """CREATE TRIGGER desk_search_fts_update AFTER UPDATE ON desk_search_indexedmessage BEGIN
        INSERT INTO desk_search_fts (desk_search_fts, rowid, ws, terms)
        VALUES ('delete', old.message_id, 'w' || old.workspace_id, old.terms);
        INSERT INTO desk_search_fts (rowid, ws, terms)
        VALUES (new.message_id, 'w' || new.workspace_id, new.terms);
    END""",
]
_SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS desk_search_fts_update",
    "DROP TRIGGER IF EXISTS desk_search_fts_delete",
    "DROP TRIGGER IF EXISTS desk_search_fts_insert",
    "DROP TABLE IF EXISTS desk_search_fts",
]
# PostgreSQL: the terms as lexemes, verbatim (array_to_tsvector does not parse or stem, so a
# term is stored exactly as search/text.py made it), and a GIN index over them.
_POSTGRES = [
    """ALTER TABLE desk_search_indexedmessage ADD COLUMN tsv tsvector
        GENERATED ALWAYS AS (array_to_tsvector(string_to_array(terms, ' '))) STORED""",
    "CREATE INDEX desk_search_tsv ON desk_search_indexedmessage USING gin (tsv)",
]
_POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS desk_search_tsv",
    "ALTER TABLE desk_search_indexedmessage DROP COLUMN IF EXISTS tsv",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_webhooks"),
        ("desk", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="IndexState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("settled_id", models.BigIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name="IndexedMessage",
            fields=[
                (
                    "message",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="desk.message",
                    ),
                ),
                ("terms", models.TextField()),
                (
                    "workspace",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["workspace", "-message"], name="search_ws_message")
                ],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": _SQLITE, "postgresql": _POSTGRES}),
            _run({"sqlite": _SQLITE_REVERSE, "postgresql": _POSTGRES_REVERSE}),
        ),
    ]
