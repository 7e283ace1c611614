"""Flythrough explorer: the desktop program, and the dataset format both halves share."""
