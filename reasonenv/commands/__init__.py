"""Subcommands of the `reasonenv` CLI, one module each (see reasonenv.cli.COMMANDS)."""
