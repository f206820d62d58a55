"""Rendering a release: one HTML path for the page, the print (PDF) and the email."""
