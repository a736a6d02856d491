import django.db.models.deletion
import django.utils.timezone
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0006_importkey_importmapping'),
        ('core', '__first__'),
        ('parties', '0002_party_language'),
    ]

    operations = [
        migrations.CreateModel(
            name='EmailTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('language', models.CharField(default='en', max_length=10, verbose_name='language')),
                ('subject', models.CharField(max_length=300, verbose_name='subject')),
                ('body_html', models.TextField(verbose_name='HTML body')),
                ('body_text', models.TextField(blank=True, verbose_name='plain-text body')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
            ],
            options={
                'verbose_name': 'email template',
                'verbose_name_plural': 'email templates',
                'ordering': ['name', 'language', 'id'],
                'constraints': [models.UniqueConstraint(fields=('company', 'name', 'language'), name='mkt_template_unique_language')],
            },
        ),
        migrations.CreateModel(
            name='Segment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('kind', models.CharField(choices=[('dynamic', 'Dynamic'), ('static', 'Static')], default='dynamic', max_length=10, verbose_name='kind')),
                ('rules', models.JSONField(blank=True, default=dict, verbose_name='rules')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
            ],
            options={
                'verbose_name': 'segment',
                'verbose_name_plural': 'segments',
                'ordering': ['name', 'id'],
                'constraints': [models.UniqueConstraint(fields=('company', 'name'), name='mkt_segment_unique_name'), models.CheckConstraint(condition=models.Q(('kind__in', ['dynamic', 'static'])), name='mkt_segment_kind_valid')],
            },
        ),
        migrations.CreateModel(
            name='Campaign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('scheduled', 'Scheduled'), ('sending', 'Sending'), ('sent', 'Sent'), ('cancelled', 'Cancelled')], default='draft', max_length=10, verbose_name='state')),
                ('purpose', models.CharField(default='newsletter', max_length=50, verbose_name='consent purpose')),
                ('cost', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=18, verbose_name='cost')),
                ('scheduled_at', models.DateTimeField(blank=True, null=True, verbose_name='scheduled at')),
                ('privacy', models.CharField(choices=[('identified', 'Identified (per recipient)'), ('anonymous', 'Anonymous (totals only)'), ('off', 'Off (no tracking)')], default='identified', max_length=10, verbose_name='tracking')),
                ('sender', models.CharField(blank=True, max_length=320, verbose_name='sender')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('anonymous_opens', models.PositiveIntegerField(default=0, verbose_name='anonymous opens')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.job', verbose_name='job')),
                ('template', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='campaigns', to='marketing.emailtemplate', verbose_name='template')),
                ('segment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='campaigns', to='marketing.segment', verbose_name='segment')),
            ],
            options={
                'verbose_name': 'campaign',
                'verbose_name_plural': 'campaigns',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('state__in', ['draft', 'scheduled', 'sending', 'sent', 'cancelled'])), name='mkt_campaign_state_valid'), models.CheckConstraint(condition=models.Q(('cost__gte', 0)), name='mkt_campaign_cost_gte_0'), models.CheckConstraint(condition=models.Q(('privacy__in', ['identified', 'anonymous', 'off'])), name='mkt_campaign_privacy_valid')],
            },
        ),
        migrations.CreateModel(
            name='SegmentMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('party', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='parties.party', verbose_name='party')),
                ('segment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='marketing.segment', verbose_name='segment')),
            ],
            options={
                'verbose_name': 'segment member',
                'verbose_name_plural': 'segment members',
                'constraints': [models.UniqueConstraint(fields=('segment', 'party'), name='mkt_member_unique')],
            },
        ),
        migrations.CreateModel(
            name='Suppression',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('address', models.CharField(max_length=254, verbose_name='address')),
                ('reason', models.CharField(choices=[('unsubscribed', 'Unsubscribed'), ('hard_bounce', 'Hard bounce'), ('soft_bounce', 'Repeated soft bounces'), ('blacklisted', 'Blacklisted'), ('withdrawn', 'Consent withdrawn')], max_length=15, verbose_name='reason')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='at')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
            ],
            options={
                'verbose_name': 'suppression',
                'verbose_name_plural': 'suppressions',
                'ordering': ['-at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('company', 'address'), name='mkt_suppression_unique_address'), models.CheckConstraint(condition=models.Q(('reason__in', ['unsubscribed', 'hard_bounce', 'soft_bounce', 'blacklisted', 'withdrawn'])), name='mkt_suppression_reason_valid')],
            },
        ),
        migrations.CreateModel(
            name='CampaignLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('url', models.URLField(max_length=2000, verbose_name='URL')),
                ('clicks', models.PositiveIntegerField(default=0, verbose_name='clicks')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links', to='marketing.campaign', verbose_name='campaign')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
            ],
            options={
                'verbose_name': 'campaign link',
                'verbose_name_plural': 'campaign links',
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('campaign', 'url'), name='mkt_link_unique_url')],
            },
        ),
        migrations.CreateModel(
            name='CampaignRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('email', models.CharField(blank=True, max_length=254, verbose_name='email')),
                ('language', models.CharField(blank=True, max_length=10, verbose_name='language')),
                ('state', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('bounced', 'Bounced'), ('suppressed', 'Suppressed')], default='queued', max_length=10, verbose_name='state')),
                ('reason', models.CharField(blank=True, max_length=50, verbose_name='reason')),
                ('message_id', models.CharField(blank=True, max_length=255, verbose_name='message ID')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('opened_at', models.DateTimeField(blank=True, null=True, verbose_name='opened at')),
                ('human_open', models.BooleanField(default=False, verbose_name='opened by a person')),
                ('machine_opens', models.PositiveIntegerField(default=0, verbose_name='machine opens')),
                ('clicked_at', models.DateTimeField(blank=True, null=True, verbose_name='clicked at')),
                ('unsubscribed_at', models.DateTimeField(blank=True, null=True, verbose_name='unsubscribed at')),
                ('bounced_at', models.DateTimeField(blank=True, null=True, verbose_name='bounced at')),
                ('bounce_kind', models.CharField(blank=True, max_length=4, verbose_name='bounce')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='marketing.campaign', verbose_name='campaign')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='parties.contact', verbose_name='contact person')),
                ('party', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='parties.party', verbose_name='party')),
            ],
            options={
                'verbose_name': 'campaign recipient',
                'verbose_name_plural': 'campaign recipients',
                'ordering': ['id'],
                'indexes': [models.Index(fields=['campaign', 'state'], name='mkt_trace_campaign_state'), models.Index(fields=['company', 'email'], name='mkt_trace_email'), models.Index(fields=['party', 'clicked_at'], name='mkt_trace_party_click')],
                'constraints': [models.UniqueConstraint(fields=('campaign', 'party'), name='mkt_trace_unique_party'), models.CheckConstraint(condition=models.Q(('state__in', ['queued', 'sending', 'sent', 'failed', 'bounced', 'suppressed'])), name='mkt_trace_state_valid')],
            },
        ),
        migrations.CreateModel(
            name='Consent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email')),
                ('purpose', models.CharField(max_length=50, verbose_name='purpose')),
                ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'SMS'), ('phone', 'Phone')], default='email', max_length=5, verbose_name='channel')),
                ('state', models.CharField(choices=[('granted', 'Granted'), ('withdrawn', 'Withdrawn')], max_length=10, verbose_name='state')),
                ('source', models.CharField(max_length=50, verbose_name='source')),
                ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                ('user_agent', models.CharField(blank=True, max_length=500, verbose_name='user agent')),
                ('text_version', models.CharField(blank=True, max_length=50, verbose_name='consent text version')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='at')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='parties.contact', verbose_name='contact person')),
                ('party', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='parties.party', verbose_name='party')),
            ],
            options={
                'verbose_name': 'consent',
                'verbose_name_plural': 'consents',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['party', 'purpose', 'channel', 'at'], name='mkt_consent_key')],
                'constraints': [models.CheckConstraint(condition=models.Q(('state__in', ['granted', 'withdrawn'])), name='mkt_consent_state_valid'), models.CheckConstraint(condition=models.Q(('channel__in', ['email', 'sms', 'phone'])), name='mkt_consent_channel_valid')],
            },
        ),
    ]
