"""Prefix search on PostgreSQL: LIKE 'x%' uses a B-tree only with text_pattern_ops (or the C
collation), so the name and identity-value searches get pattern indexes there. SQLite searches
with a range over its ordinary indexes instead (customers.selectors._starts_with)."""

from django.db import migrations

INDEXES = {
    "customer_ws_name_pattern": "customers_customer (workspace_id, name text_pattern_ops)",
    "identity_ws_value_pattern": "customers_identity (workspace_id, value text_pattern_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, target in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customerimport")]
    operations = [migrations.RunPython(create, drop)]
