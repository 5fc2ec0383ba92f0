"""Integrations with the systems around the hub: Livelink (EDRMS), EHM and IES."""
