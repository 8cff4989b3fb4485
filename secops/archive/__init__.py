"""The archive of expired events: retention runs, archive state, listing and restoring."""
