import click


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def main(paths):
    """Print the number of lines in each file."""
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as file:
            click.echo(f"{sum(1 for _ in file)} {path}")
