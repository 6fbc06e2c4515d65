"""The kanban tally (sales.board_tally): its table, its triggers, and its sums from the opportunities."""

from django.db import migrations, models


def tally_from_opportunities(apps, schema_editor):
    from openfunnel.sales import board_tally

    board_tally.install(schema_editor.connection)
    board_tally.rebuild(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0004_customer_copy'),
    ]

    operations = [
        migrations.CreateModel(
            name='BoardTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pipeline_id', models.BigIntegerField()),
                ('stage_id', models.BigIntegerField()),
                ('owner_id', models.BigIntegerField()),
                ('customer_owner_id', models.BigIntegerField(null=True)),
                ('customer_pool_id', models.BigIntegerField(null=True)),
                ('closed_week', models.DateField(null=True)),
                ('n', models.IntegerField()),
                ('amount', models.DecimalField(decimal_places=2, max_digits=18)),
                ('weighted', models.DecimalField(decimal_places=6, max_digits=22)),
            ],
            options={
                'indexes': [models.Index(fields=['pipeline_id', 'stage_id', 'closed_week'], include=('owner_id', 'customer_owner_id', 'customer_pool_id', 'n', 'amount', 'weighted'), name='board_tally_column')],
            },
        ),
        migrations.RunPython(tally_from_opportunities, migrations.RunPython.noop, elidable=False),
    ]
