"""Helpers shared by the test suite: real servers the tests talk to."""
