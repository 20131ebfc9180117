"""ttnc_pipeline."""
