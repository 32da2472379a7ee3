"""Shared by every stage: slugs, safe paths, text safety, sealed caches, git, dates."""
