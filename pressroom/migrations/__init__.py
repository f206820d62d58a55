"""Alembic migrations of pressroom's database (``pressroom db upgrade``, or automatic)."""
