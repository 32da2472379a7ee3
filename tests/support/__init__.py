"""Helpers shared by the tests and bench/: real repositories, servers and browsers to test against."""
