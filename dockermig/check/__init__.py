"""`dockermig check`: the rule registry, the runner, inline ignores, configuration and reports."""
