"""Analytics services: training the models of a company and storing their predictions."""

from .training import MODEL_STEPS, analytics_train  # noqa: F401
