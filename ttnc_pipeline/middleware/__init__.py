"""The five default middlewares, outermost first.

- :class:`CorrelationMiddleware` ids in, one response per id out;
- :class:`LoggingMiddleware` one event out, one per outcome;
- :class:`SessionMiddleware` reuse the SessionId, renew it once when it dies;
- :class:`AuthMiddleware` a login or the SessionId in front of the batch;
- :class:`RetryMiddleware` send again when the batch's safety allows.

A middleware is any callable ``mw(batch, call_next) -> reply``; see
``docs/middleware.md`` for writing your own.
"""

from ttnc_pipeline.middleware.auth import AuthMiddleware, Credentials
from ttnc_pipeline.middleware.correlation import CorrelationMiddleware, match_responses
from ttnc_pipeline.middleware.logging import LoggingMiddleware
from ttnc_pipeline.middleware.retry import RetryMiddleware
from ttnc_pipeline.middleware.session import SessionMiddleware

__all__ = [
    "AuthMiddleware",
    "CorrelationMiddleware",
    "Credentials",
    "LoggingMiddleware",
    "RetryMiddleware",
    "SessionMiddleware",
    "match_responses",
]
