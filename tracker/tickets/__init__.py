"""Ticket codes, their QR images and calendar files: pure helpers without Flask."""
