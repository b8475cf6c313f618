# An empty step, kept only because events.0003_lake_files names it as its dependency: another
# app's `makemigrations` once generated the webhook tables here under that name. The webhook
# tables are created by 0002_webhooks. Once events.0003_lake_files depends on
# ('accounts', '0002_webhooks') instead, this file can go.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_webhooks"),
    ]

    operations = []
