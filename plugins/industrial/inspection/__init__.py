"""Image inspection: per-line anomaly models, defect-type classifier, heatmaps, folder watch."""
