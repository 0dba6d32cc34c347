"""The ``logpull`` command line (the composition root: it wires shared, orchestrator
and worker together; those packages never import each other)."""

from __future__ import annotations

import sys

import click

from logpull.cli._app import cli


def main() -> None:
    """Console-script entry point: one clear line on stderr for every known error."""
    from botocore.exceptions import BotoCoreError, NoCredentialsError

    from shared.errors import LogpullError

    try:
        cli.main(standalone_mode=False, prog_name="logpull")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except LogpullError as exc:
        click.echo(f"logpull: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except NoCredentialsError:
        click.echo("logpull: error: no AWS credentials found (set AWS_PROFILE or "
                   "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; any values work for LocalStack/moto)",
                   err=True)
        sys.exit(1)
    except BotoCoreError as exc:
        click.echo(f"logpull: error: AWS: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        click.echo(f"logpull: error: {exc}", err=True)
        sys.exit(1)


__all__ = ["cli", "main"]
