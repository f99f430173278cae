"""Signals of the working-day calendar, for apps that keep dates computed on it."""

from django.dispatch import Signal

#: Sent after a transaction that changed the calendar commits; ``years`` lists the years touched.
calendar_changed = Signal()
