"""Flythrough pipeline: turn corpora, vectors or embeddings into 3D datasets."""
