"""Presentation: the command line, plots, reports and the explorer."""
