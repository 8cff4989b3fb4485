"""Alerts: documents from detection matches, noise control, triage, notifications."""
