"""pytest plugin for ttnc_pipeline (fixtures arrive with issue 6)."""
