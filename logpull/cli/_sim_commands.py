"""``logpull simulate`` and ``logpull demo`` (embedded AWS emulator + API simulator)."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import click

from logpull.cli._params import DURATION
from shared.timeutil import parse_instant


GOOGLE_FAULTS = "429,403_rate,500,503,truncated,not_json,reset"
VENDOR_FAKES = ("github", "slack", "onepassword", "atlassian", "zylo", "graph")


@click.command()
@click.option("--api", type=click.Choice(["google", "okta", *VENDOR_FAKES]), default="google",
              show_default=True, help="Google Reports activities.list, Okta System Log "
              "/api/v1/logs, or a fake written from a vendor's docs "
              "(logpull/simulator/vendors/README.md).")
@click.option("--token", default="test-token", show_default=True,
              help="Okta and the vendor fakes: the API token it accepts (graph: the client secret).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8088, show_default=True, type=int)
@click.option("--events", default=10_000, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--start", default="2026-11-01T00:00:00Z", show_default=True, help="Timeline start (RFC 3339).")
@click.option("--days", default=2.0, show_default=True, type=float, help="Timeline length.")
@click.option("--application", "applications", multiple=True, default=("login",), show_default=True,
              help="Reports API applicationName (repeatable).")
@click.option("--page-latency", default=0.0, show_default=True, type=float, help="Seconds per page.")
@click.option("--fault-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Probability of an injected fault per request.")
@click.option("--fault-kinds", default=None, help=f"Comma-separated (Google default: {GOOGLE_FAULTS}; "
              "Okta: 429,500,503,truncated,not_json,reset).")
@click.option("--retry-after", default=1.0, show_default=True, type=float)
@click.option("--token-ttl", default=None, type=float, help="Reject page tokens older than this (s).")
@click.option("--access-token-ttl", default=None, type=click.FloatRange(min=0, min_open=True),
              help="graph: seconds an access token from its token endpoint lives (default 3599).")
@click.option("--late-fraction", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@click.option("--late-min", default=0.0, show_default=True, type=float, help="Seconds.")
@click.option("--late-max", default=0.0, show_default=True, type=float, help="Seconds.")
@click.option("--exclusive-end", is_flag=True, help="Treat endTime as exclusive (default: inclusive).")
@click.option("--quota-per-minute", default=None, type=click.IntRange(1),
              help="Google: requests per clock minute beyond which it answers 429 Quota exceeded.")
@click.option("--rate-limit", default=None, type=click.IntRange(1),
              help="Okta: the org's requests per clock minute (X-Rate-Limit-* headers, 429 beyond); "
              "vendor fakes: requests per the vendor's window (an hour for GitHub, else a minute).")
def simulate(api: str, token: str, host: str, port: int, events: int, seed: int, start: str, days: float,
             applications: tuple[str, ...], page_latency: float, fault_rate: float, fault_kinds: str | None,
             retry_after: float, token_ttl: float | None, access_token_ttl: float | None, late_fraction: float, late_min: float,
             late_max: float, exclusive_end: bool, quota_per_minute: int | None, rate_limit: int | None) -> None:
    """Serve an API simulator until interrupted: the Reports API (activities.list),
    Okta's System Log, or a vendor fake (github, slack, onepassword, atlassian, zylo, graph),
    plus /_sim/truth (ground truth) and /_sim/stats. Point a source's api_endpoint at it."""
    from logpull.simulator import (
        OktaSimulator,
        OktaSimulatorSettings,
        ReportsSimulator,
        SimulatorSettings,
    )

    common: dict[str, Any] = {"seed": seed, "events": events, "page_latency": page_latency, "fault_rate": fault_rate,
              "late_fraction": late_fraction, "late_min": late_min, "late_max": late_max}
    try:
        begin = parse_instant(start)
        common.update(start=begin, end=begin + timedelta(days=days))
        if rate_limit is not None and api != "google":
            common["rate_limit"] = rate_limit
        if fault_kinds is not None:
            common["fault_kinds"] = tuple(k for k in fault_kinds.split(",") if k)
        server: Any = (
            ReportsSimulator(SimulatorSettings(**common, applications=applications, retry_after=retry_after,
                                               token_ttl=token_ttl, inclusive_end=not exclusive_end,
                                               quota_per_minute=quota_per_minute))
            if api == "google" else
            OktaSimulator(OktaSimulatorSettings(**common, token=token, cursor_ttl=token_ttl))
            if api == "okta" else
            _vendor_fake(api, {**common, "token": token, "cursor_ttl": token_ttl,
                               "retry_after": retry_after,
                               **({"access_token_ttl": access_token_ttl} if access_token_ttl else {})})
        )
    except ValueError as exc:  # pydantic's ValidationError included
        raise click.UsageError(str(exc)) from exc

    def ready(url: str) -> None:
        name = {"google": "Reports API", "okta": "Okta System Log"}.get(api, f"{api} fake")
        click.echo(f"{name} simulator: {url}  ({events} events, seed {seed}); Ctrl-C stops", err=True)

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops
        server.serve(host, port, ready=ready)


def _vendor_fake(api: str, settings: dict[str, Any]) -> Any:
    """A vendor fake of ``logpull.simulator.vendors`` (imported only when asked for)."""
    from logpull.simulator.vendors import FAKES

    sim_class, settings_class = FAKES[api]
    return sim_class(settings_class(**settings))


@click.command()
@click.option("--events", default=None, type=click.IntRange(1),
              help="Events in the fake API  [default: 20000; with --sources all: 80 per source]")
@click.option("--sources", type=click.Choice(["google", "all"]), default="google", show_default=True,
              help="google: the Reports API alone; all: every built-in kind's simulator at once (Google, "
                   "Okta, GitHub, Slack, 1Password, Atlassian, Graph) on a live timeline of 10 s windows, "
                   "with faults and late events, and a table per source.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for the sink and the generated config (default: a new temp dir).")
@click.option("--days", default=2.0, show_default=True, type=float, help="Timeline length.")
@click.option("--window", default="1h", show_default=True, type=DURATION)
@click.option("--page-size", default=100, show_default=True, type=click.IntRange(1, 1000))
@click.option("--task-deadline", default="1s", show_default=True, type=DURATION,
              help="Short, so that windows finish across continuations.")
@click.option("--page-latency", default=0.2, show_default=True, type=float,
              help="Seconds per page, like the real API (windows then need continuations).")
@click.option("--fault-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--ocsf", is_flag=True, help="Also write every event normalised to OCSF (under OUT/ocsf) "
              "and count one object per raw event.")
def demo(events: int | None, sources: str, workers: int, out: str | None, days: float, window: timedelta,
         page_size: int, task_deadline: timedelta, page_latency: float, fault_rate: float,
         seed: int, ocsf: bool) -> None:
    """The whole pipeline on an embedded default: a moto server (AWS over HTTP) and the
    Reports-API simulator in-process, init, orchestrator and worker processes until
    caught up; then the sink is checked against the simulator's ground truth.
    Exit 0 only if nothing is missing or duplicated."""
    import sys

    from shared.aws.emulator import require_emulator

    require_emulator()  # the demo extra: say how to install it before anything starts
    from logpull.cli._demo import DemoOptions, _out_dir, run_demo

    if sources == "all":
        from logpull.cli._demo_all import run_demo_all

        sys.exit(run_demo_all(_out_dir(out), events or 80, workers, fault_rate or 0.05, seed))
    events = events or 20_000

    options = DemoOptions(events=events, workers=workers, out=out, days=days, window=window,
                          page_size=page_size, task_deadline=task_deadline,
                          page_latency=page_latency, fault_rate=fault_rate, seed=seed, ocsf=ocsf)
    sys.exit(run_demo(options))
