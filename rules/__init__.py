"""Rule modules: the rewrite steps of `dockermig migrate` and the checks of `dockermig check`."""
