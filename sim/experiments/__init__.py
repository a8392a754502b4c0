"""Experiments: replications, comparisons, sweeps, allocation, calibration, sensitivity, store."""
