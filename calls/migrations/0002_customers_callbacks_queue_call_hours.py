# Customers, scheduled callbacks, agent profiles, the call queue, the AI agent of a call, and the
# hourly call totals (CallHour) the dashboard reads.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0001_initial'),
        ('store', '0003_inventory_word_name_words'),
        ('voice', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AgentProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('available', 'Available'), ('busy', 'Busy'), ('on_call', 'On Call'), ('break', 'Break'), ('offline', 'Offline')], default='offline', max_length=10)),
                ('employee_id', models.CharField(blank=True, max_length=40)),
                ('status_changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['user_id'],
            },
        ),
        migrations.CreateModel(
            name='CallHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('store_id', models.BigIntegerField()),
                ('hour', models.DateTimeField()),
                ('ai_agent_key', models.BigIntegerField(default=0, help_text="the AI agent's id, 0 for none")),
                ('calls', models.BigIntegerField(default=0)),
                ('success', models.BigIntegerField(default=0)),
                ('failed', models.BigIntegerField(default=0)),
                ('missed', models.BigIntegerField(default=0)),
                ('terminated', models.BigIntegerField(default=0)),
                ('live', models.BigIntegerField(default=0)),
                ('inbound', models.BigIntegerField(default=0)),
                ('outbound', models.BigIntegerField(default=0)),
                ('converted', models.BigIntegerField(default=0)),
                ('rated', models.BigIntegerField(default=0)),
                ('positive', models.BigIntegerField(default=0)),
                ('duration', models.BigIntegerField(default=0, help_text='seconds')),
                ('final_calls', models.BigIntegerField(default=0)),
                ('final_duration', models.BigIntegerField(default=0)),
                ('billed_minutes', models.BigIntegerField(default=0, help_text="each call's started minutes")),
            ],
        ),
        migrations.CreateModel(
            name='Customer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', models.CharField(max_length=40)),
                ('name', models.CharField(blank=True, max_length=200)),
                ('email', models.EmailField(blank=True, max_length=254)),
                ('interest_level', models.CharField(choices=[('cold', 'Cold'), ('warm', 'Warm'), ('hot', 'Hot'), ('converted', 'Converted')], default='cold', max_length=10)),
                ('do_not_call', models.BooleanField(default=False)),
                ('notes', models.TextField(blank=True)),
                ('first_call_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='QueueEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('caller', models.CharField(blank=True, max_length=40)),
                ('priority', models.PositiveSmallIntegerField(default=0, help_text='higher first')),
                ('status', models.CharField(choices=[('waiting', 'Waiting'), ('assigned', 'Assigned'), ('completed', 'Completed'), ('abandoned', 'Abandoned')], default='waiting', max_length=10)),
                ('enqueued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('assigned_at', models.DateTimeField(blank=True, null=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'verbose_name_plural': 'queue entries',
                'ordering': ['-priority', 'enqueued_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ScheduledCallback',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scheduled_at', models.DateTimeField()),
                ('reason', models.CharField(blank=True, max_length=300)),
                ('priority', models.CharField(choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High'), ('urgent', 'Urgent')], default='medium', max_length=10)),
                ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('completed', 'Completed'), ('cancelled', 'Cancelled')], default='scheduled', max_length=10)),
                ('notes', models.TextField(blank=True)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['scheduled_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='call',
            name='ai_agent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='calls', to='voice.aiagent'),
        ),
        migrations.AddField(
            model_name='agentprofile',
            name='user',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='agent_profile', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='callhour',
            index=models.Index(fields=['hour'], name='call_hour_hour'),
        ),
        migrations.AddConstraint(
            model_name='callhour',
            constraint=models.UniqueConstraint(fields=('store_id', 'hour', 'ai_agent_key'), name='call_hour_unique'),
        ),
        migrations.AddField(
            model_name='customer',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='customers', to='store.store'),
        ),
        migrations.AddField(
            model_name='queueentry',
            name='assigned_agent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='queue_entries', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='queueentry',
            name='call',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='queue_entries', to='calls.call'),
        ),
        migrations.AddField(
            model_name='queueentry',
            name='customer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='queue_entries', to='calls.customer'),
        ),
        migrations.AddField(
            model_name='queueentry',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='queue_entries', to='store.store'),
        ),
        migrations.AddField(
            model_name='scheduledcallback',
            name='assigned_agent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='callbacks', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='scheduledcallback',
            name='customer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='callbacks', to='calls.customer'),
        ),
        migrations.AddField(
            model_name='scheduledcallback',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='callbacks', to='store.store'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['store', 'interest_level'], name='customer_store_interest'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['store', '-created_at', '-id'], name='customer_store_created'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.UniqueConstraint(fields=('store', 'phone'), name='customer_phone_unique_per_store'),
        ),
        migrations.AddIndex(
            model_name='queueentry',
            index=models.Index(fields=['store', 'status', 'enqueued_at'], name='queue_store_status_since'),
        ),
        migrations.AddIndex(
            model_name='queueentry',
            index=models.Index(fields=['assigned_agent', 'status', 'ended_at'], name='queue_agent_status_ended'),
        ),
        migrations.AddIndex(
            model_name='scheduledcallback',
            index=models.Index(fields=['store', 'status', 'scheduled_at'], name='callback_store_status_when'),
        ),
        migrations.AddIndex(
            model_name='scheduledcallback',
            index=models.Index(fields=['assigned_agent', 'status', 'scheduled_at'], name='callback_agent_status_when'),
        ),
    ]
