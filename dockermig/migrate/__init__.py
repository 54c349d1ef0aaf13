"""`dockermig migrate`: rewrite pip-based Python Dockerfiles into the uv pattern."""
