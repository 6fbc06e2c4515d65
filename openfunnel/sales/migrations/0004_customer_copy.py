"""The customer's owner, pool and recycle-bin state on the opportunity (sales.customer_copy), filled from the
customers before the indexes that read them are built."""

from django.conf import settings
from django.db import migrations, models


def copy_from_customers(apps, schema_editor):
    from openfunnel.sales import customer_copy

    customer_copy.install(schema_editor.connection)
    customer_copy.backfill(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_customer_deleted_ids'),
        ('leads', '0001_initial'),
        ('sales', '0003_grant_opportunity_permissions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='opportunity',
            name='customer_deleted',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='customer_owner_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='customer_pool_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(copy_from_customers, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['customer_owner_id', '-id'], name='opp_customer_owner'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('customer_owner_id__isnull', True)), fields=['customer_pool_id'], name='opp_pool_customer'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('customer_deleted', False), ('deleted_at__isnull', True)), fields=['pipeline', 'stage', '-closed_at', 'expected_close_date', '-id'], include=('owner', 'customer_owner_id', 'customer_pool_id', 'customer', 'amount', 'probability'), name='opp_board'),
        ),
    ]
