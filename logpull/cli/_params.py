"""Click parameter types shared by the commands."""

from __future__ import annotations

from datetime import timedelta

import click

from shared.timeutil import parse_duration


class DurationType(click.ParamType[timedelta]):
    """A duration with a unit (``30s``, ``15m``, ``2h``, ``1d``), read as the config
    reads one: a bare number is a usage error (exit 2) naming the option."""

    name = "duration"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = DurationType()
