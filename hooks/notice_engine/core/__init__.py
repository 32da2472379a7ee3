"""Shared by every stage: slugs, safe paths, text safety, sealed cache entries, git plumbing."""
