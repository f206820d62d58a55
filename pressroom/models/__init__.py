"""The database's tables as SQLAlchemy models, one module per noun.

Importing this package registers every table on ``Base.metadata``, which Alembic compares with
the migrations. Only these modules and ``pressroom.db`` import SQLAlchemy; services use the
query functions defined beside each model and return frozen dataclasses.
"""

from pressroom.models.accounts import User
from pressroom.models.audit import AuditEntry
from pressroom.models.base import Base
from pressroom.models.campaigns import Campaign, Delivery
from pressroom.models.revisions import Approval, PendingDraft, Revision
from pressroom.models.subscribers import Subscriber, Suppression

__all__ = [
    "Approval",
    "AuditEntry",
    "Base",
    "Campaign",
    "Delivery",
    "PendingDraft",
    "Revision",
    "Subscriber",
    "Suppression",
    "User",
]
