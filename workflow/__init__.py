"""The LCS process as data: contacts, case notes, codes, working days and timescales."""
