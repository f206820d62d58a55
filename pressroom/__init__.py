"""pressroom: a press office's whole chain, from a Markdown communiqué to page, PDF and email."""

__version__ = "0.1.0"
