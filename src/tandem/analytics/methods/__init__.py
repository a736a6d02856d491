"""Pure, Django-free methods of the analytics app: forecasting, RFM, recommendations, lead
scoring, churn and lifetime value, reorder points.

Nothing here imports Django; numpy, pandas, scipy, statsmodels and scikit-learn are imported
inside the functions that need them, so importing this package stays cheap for the web process.
A refusal is a `MethodError` with a stable code that the services turn into a DomainError.
"""


class MethodError(ValueError):
    """Bad input to a method, with a stable code (e.g. ``analytics.too_few_rows``)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code
