"""Parcours: agent-based simulation of insertion pathways in France."""
