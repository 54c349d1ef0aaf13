"""Plan the files a migrated Dockerfile needs beside it: pyproject.toml, uv.lock, .dockerignore.

Each function computes file text and writes nothing into the user's project.
Import from the submodules (`dockermig.companions.lock`, `.pyproject`,
`.requirements`, `.sources`, `.indexes`, `.dockerignore`); this package
imports none of them itself, so reading requirements does not load tomlkit.
"""
