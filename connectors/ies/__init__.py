"""Education (IES) pupils and SSRs: not built yet."""
