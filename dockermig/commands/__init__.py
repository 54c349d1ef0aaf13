"""Click commands, one module per subcommand."""
