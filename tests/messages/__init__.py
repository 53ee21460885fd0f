"""Tests of one feature; fixtures in this folder's conftest.py."""
