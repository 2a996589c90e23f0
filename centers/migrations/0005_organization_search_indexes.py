"""Indexes for the organisation list and its search (issue 16).

- (name, id): the list's order, walked index-only to find a page's ids (core.paging).
- PostgreSQL only (SQLite keeps working without them; its searches scan, as before):
  a pg_trgm GIN index on UPPER(name) for ``name__icontains`` (Django compares UPPER(name) LIKE
  UPPER('%…%')), and a pattern index on UPPER(credit_code) for ``credit_code__istartswith`` (a prefix
  LIKE needs the pattern operator class; UPPER() gives text, hence text_pattern_ops rather than
  varchar_pattern_ops, which the plain column already has from its unique index).
"""

from django.db import migrations, models

CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS centers_org_name_trgm ON centers_socialorganization "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS centers_org_credit_code_prefix ON centers_socialorganization "
    "(UPPER(credit_code::text) text_pattern_ops)",
)
DROP = (
    "DROP INDEX IF EXISTS centers_org_name_trgm",
    "DROP INDEX IF EXISTS centers_org_credit_code_prefix",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('centers', '0004_record_versions'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='socialorganization',
            name='centers_soc_name_9988ae_idx',
        ),
        migrations.AddIndex(
            model_name='socialorganization',
            index=models.Index(fields=['name', 'id'], name='centers_org_name_id'),
        ),
        migrations.RunPython(create, drop),
    ]
