from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _seed_reference_data(sender, using, **kwargs):
    # post_migrate fires once per app; the last app with models is the moment every
    # app's permissions exist, so the roles can map onto all of them.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is with_models[-1]:
        from .services import reference_data_sync

        reference_data_sync(using=using)


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from . import checks, events, webhooks  # noqa: F401  (checks registers the invariants)

        # webhooks are one more consumer of the outbox
        events.add_sink(webhooks.fan_out)

        post_migrate.connect(_seed_reference_data, dispatch_uid="tandem.core.seed")
