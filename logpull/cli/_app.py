"""Command definitions. Heavy imports happen inside each command (fast ``--help``)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click

from logpull.cli._params import DURATION
from logpull.cli._ports import aws_ports
from logpull.cli._sim_commands import demo, simulate
from shared.config import Settings, load_settings

CONFIG_HELP = "TOML config file (default: $LOGPULL_CONFIG, else LOGPULL_* variables)."


def _settings(config: str | None) -> Settings:
    from shared.log import configure_logging

    settings = load_settings(config, require_sources=True)
    configure_logging(settings.logging.level, settings.logging.format)
    return settings


def _ready(config: str | None, *, sink: bool = False, reach: bool = False, warn: bool = False) -> Settings:
    """The settings, once what the command needs holds: the sink takes a write
    (``sink``), the queue, DLQ and table exist, the sources' API endpoints answer a
    connection (``reach``). ``warn``: say which sources start in the future (nothing of
    theirs is due yet)."""
    import time

    from logpull.cli._preflight import probe_sink, warn_future_starts
    from shared.aws.resources import require_resources
    from shared.preflight import check_sources

    settings = _settings(config)
    if sink:
        probe_sink(settings)
    require_resources(settings)
    if reach:
        check_sources(settings)
    if warn:  # after the checks: an error stays one line
        warn_future_starts(settings, time.time())
    return settings


def exit_now(code: int) -> None:
    """End the process once a command's work is over: its workers are stopped and
    joined and its output is flushed, so the interpreter's teardown (about 0.2 s of
    CPU with boto3 and the API clients loaded) would do nothing useful."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


config_option = click.option(
    "-c", "--config", "config", envvar="LOGPULL_CONFIG", type=click.Path(dir_okay=False),
    help=CONFIG_HELP,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="logpull")
def cli() -> None:
    """logpull: pull audit logs from paginated REST APIs into a SIEM-ready sink,
    exactly once, with SQS + DynamoDB (an orchestrator plans windows, workers read them).

    Start with `logpull demo` (no accounts needed), then write a config file
    (see README) and run `logpull init`, `logpull check` and `logpull run --until-caught-up`.
    """


@cli.command()
@config_option
def init(config: str | None) -> None:
    """Create the queues, their DLQ (redrive policy) and the state table; and the sink's
    S3 bucket only with create_bucket = true under [sink] (else it must exist). Idempotent."""
    from logpull.cli._preflight import probe_sink
    from shared.aws.clients import client
    from shared.aws.provision import ensure_queues, ensure_table

    settings = _settings(config)
    buckets = {}
    for name, url in (("bucket", settings.sink.url), ("ocsf_bucket", settings.sink.ocsf_url)):
        if url is not None and url.startswith("s3://") and settings.sink.create_bucket:
            from worker.sinks.s3_sink import ensure_bucket

            buckets[name] = ensure_bucket(client("s3", settings.aws), url)
    probe_sink(settings)  # before creating anything: a sink that cannot be written is the operator's to fix
    queues = ensure_queues(client("sqs", settings.aws), settings)
    table = ensure_table(client("dynamodb", settings.aws), settings)
    created = {"queue": queues["queue"], "backfill_queue": queues["backfill_queue"], "dlq": queues["dlq"],
               "table": table}
    created.update(buckets)
    click.echo(json.dumps(created))


@cli.command()
@config_option
@click.option("--once", is_flag=True, help="Run one scheduling tick and exit.")
@click.option("--interval", default=None, type=DURATION,
              help="Time between ticks, with a unit: 30s, 5m (default: [orchestrator] interval).")
def orchestrate(config: str | None, once: bool, interval: timedelta | None) -> None:
    """Plan windows up to now - settle, enqueue them, rescue stalled ones."""
    import time

    from orchestrator.tick import Orchestrator

    settings = _ready(config, warn=True)
    store, queue = aws_ports(settings)
    orchestrator = Orchestrator(settings, store, queue)
    every = (interval or settings.orchestrator.interval).total_seconds()
    while True:
        result = orchestrator.tick()
        if once:
            click.echo(json.dumps({"recorded": result.recorded, "enqueued": result.enqueued,
                                   "final_passes": result.final_passes, "rescued": result.rescued}))
            return
        time.sleep(every)


@cli.command()
@config_option
@click.option("--until-idle", is_flag=True, help="Exit once the queue stays empty.")
@click.option("--stderr-terminal", is_flag=True, hidden=True,
              help="stderr is a pipe its parent prints on a terminal: log as on a terminal.")
def work(config: str | None, until_idle: bool, stderr_terminal: bool) -> None:
    """A long-running worker (the ECS shape). SIGTERM finishes the current page,
    checkpoints, hands the message back and exits 0."""
    from worker.loop import main

    _ready(config, sink=True, warn=True)
    main(config, until_idle=until_idle, terminal=stderr_terminal or None)


@cli.command()
@config_option
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 256),
              help="Worker processes to run beside the orchestrator.")
@click.option("--until-caught-up", is_flag=True,
              help="Return when every window up to now - settle is done (exit 0) or failed (exit 1).")
def run(config: str | None, workers: int, until_caught_up: bool) -> None:
    """Orchestrator and worker processes together on this machine."""
    from logpull.cli._running import run_local

    settings = _ready(config, sink=True, reach=True, warn=True)
    exit_now(run_local(settings, config, workers, until_caught_up))


@cli.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status(config: str | None, as_json: bool) -> None:
    """Backlog and lag per source, and queue depths."""
    from logpull.cli._render import print_status
    from orchestrator.status import status as collect

    settings = _ready(config)
    store, queue = aws_ports(settings)
    report = collect(settings, store, queue)
    if as_json:
        click.echo(json.dumps(report))
    else:
        print_status(report)


@cli.command("check")
@config_option
def check_command(config: str | None) -> None:
    """Before anything runs: validate the config, look up the queue, DLQ and table,
    write and delete a probe object in the sink, make one small authenticated request
    per source. One line per check; exit 0 only if all hold (2: invalid config).
    Records no window, enqueues nothing, writes nothing to the committed output."""
    from logpull.cli._check import check

    sys.exit(check(config))


@cli.group()
def dlq() -> None:
    """Inspect the dead-letter queue / send its tasks back."""


@dlq.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def dlq_list(config: str | None, as_json: bool) -> None:
    """Each DLQ entry with its window and reason (messages stay in the DLQ)."""
    from shared.aws.dead_letters import DeadLetters

    settings = _ready(config)
    store, queue = aws_ports(settings)
    entries = DeadLetters(queue, store).peek()
    for entry in entries:
        click.echo(json.dumps(entry) if as_json else
                   f"{entry['source'] or '-'} {entry['window_start'] or '-'} .. {entry['window_end'] or '-'}  "
                   f"{entry['reason']}")
    if not as_json:
        click.echo(f"{len(entries)} message(s) in the DLQ", err=True)


@dlq.command("redrive")
@config_option
def dlq_redrive(config: str | None) -> None:
    """Send DLQ tasks back to the task queue (failed windows become pending again);
    bodies that are not logpull tasks stay in the DLQ."""
    from shared.aws.dead_letters import DeadLetters

    settings = _ready(config)
    store, queue = aws_ports(settings)
    moved, kept = DeadLetters(queue, store, {s.id: s.settle for s in settings.sources}).redrive()
    click.echo(json.dumps({"redriven": moved, "kept": kept}))


@cli.group()
def source() -> None:
    """Sources as a whole: clear a failure mark."""


@source.command("reset")
@config_option
@click.argument("source_ids", nargs=-1, required=True, metavar="SOURCE...")
def source_reset(config: str | None, source_ids: tuple[str, ...]) -> None:
    """Clear the failed mark of these sources (set when their credentials could not be
    loaded or were refused) and send their waiting windows again. A block's id (``gws``)
    names all its applications (``gws/login``, ...)."""
    from orchestrator.source_failure import clear_all
    from shared.errors import UsageError

    settings = _settings(config)
    unknown = sorted(set(source_ids) - {s.id for s in settings.sources} - {s.block for s in settings.sources})
    if unknown:
        raise UsageError(f"no source {', '.join(unknown)} in the config")
    wanted = [s.id for s in settings.sources if s.id in source_ids or s.block in source_ids]
    store, queue = aws_ports(settings)
    cleared = clear_all(settings, store, queue, wanted, why="logpull source reset")
    click.echo(json.dumps({"cleared": sorted(cleared), "resent": cleared}))


cli.add_command(demo)
cli.add_command(simulate)
