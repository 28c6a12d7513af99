"""The fast tier: in process, offline, no connection (see conftest.py)."""
