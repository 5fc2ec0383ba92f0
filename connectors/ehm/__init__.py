"""Early Help Module (EHM) records: not built yet."""
