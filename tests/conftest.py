"""Shared test setup: this folder is on ``sys.path`` (pytest's rootdir conftest), so every
test package can import the shared helpers here (``headless``)."""
