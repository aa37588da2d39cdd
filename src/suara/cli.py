"""The `suara` command: serve, database, seed data, schema, routing model."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import tempfile
from pathlib import Path

import typer
from rich.console import Console

from suara.config import get_settings

app = typer.Typer(help="Suara: citizen complaints, routed and tracked.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
category_app = typer.Typer(help="Category → agency mapping.", no_args_is_help=True)
staff_app = typer.Typer(help="Agency staff accounts.", no_args_is_help=True)
stats_app = typer.Typer(help="Public transparency counters.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background work: overdue escalation, auto-close, the outbox.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(category_app, name="category")
app.add_typer(staff_app, name="staff")
app.add_typer(jobs_app, name="jobs")
app.add_typer(stats_app, name="stats")
apikey_app = typer.Typer(help="API keys of Open311 clients (civic apps).", no_args_is_help=True)
sms_app = typer.Typer(help="The SMS channel.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
app.add_typer(sms_app, name="sms")
console = Console(stderr=True)


async def _with_session(work, url: str | None = None):
    """Run ``work(session)`` in one transaction on the database, migrated to head first."""
    from suara.db import migrate
    from suara.db.engine import make_engine, make_session_factory, resolve_database_url, transaction

    engine = make_engine(url or resolve_database_url(get_settings()), pool_size=2)
    try:
        await migrate.upgrade(engine)
        async with transaction(make_session_factory(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    seed: bool = typer.Option(True, help="Load the agency directory when the database is empty."),
    jobs: bool = typer.Option(True, help="Run overdue escalation, auto-close and the outbox every minute."),
    workers: int = typer.Option(None, min=1, help="Server processes sharing the port; default SUARA_WORKERS, else 1."),
    forwarded_allow_ips: str = typer.Option(
        None, help="Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For/-Proto are "
                   "believed; default SUARA_FORWARDED_ALLOW_IPS, else none."),
) -> None:
    """Start PostgreSQL if needed, apply migrations, and serve the API (GraphiQL at /graphql).

    With several workers the database is started, migrated and seeded once, here, before they start;
    each worker builds its own app and connection pool; the jobs run in every worker and each unit
    of work once (PostgreSQL locks, see suara.jobs).
    """
    import uvicorn
    from sqlalchemy import text

    from suara.agencies import service as agencies
    from suara.db.embedded import data_folder
    from suara.db.engine import resolve_database_url
    from suara.observability.logs import configure_logging
    from suara.services import catalogue
    from suara.state import load_or_create_secret_key

    # SIGTERM while migrating, or after uvicorn's graceful shutdown (it re-raises the signal), exits
    # normally, so that the embedded PostgreSQL is stopped by its exit handler. SIGHUP — the terminal
    # was closed — ends a single process the same way. With several workers uvicorn's supervisor
    # takes the signals over: SIGTERM and SIGINT stop the workers, then return; SIGHUP replaces the
    # workers unless the terminal is gone (see _supervisor). The kernel sends the hang-up only to the
    # terminal's controlling process: under `make run` that is make, which waits for us, so a watch
    # on the terminal stands in for the signal that never comes.
    had_terminal = _has_terminal()
    signal.signal(signal.SIGTERM, _exit_normally)
    signal.signal(signal.SIGHUP, _stop_as_on_sigterm)
    if had_terminal:
        _watch_terminal()
    settings = get_settings()
    configure_logging(settings.suara_log_format)
    announce = _announcer(settings.suara_log_format)
    workers = workers or settings.suara_workers
    embedded = settings.database_url is None
    url = resolve_database_url(settings)
    overrides: dict[str, object] = {"database_url": url}
    if not jobs:
        overrides["suara_jobs_interval_seconds"] = 0
    if forwarded_allow_ips is not None:
        overrides["suara_forwarded_allow_ips"] = forwarded_allow_ips
    settings = settings.model_copy(update=overrides)

    async def prepare(session):
        if seed and not await agencies.list_agencies(session):
            counts = await agencies.load_directory(session)
            announce(f"Loaded {counts.agencies_added} agencies, {counts.categories_added} categories.")
        if seed and not await catalogue.search_services(session, limit=1):
            loaded = await catalogue.load_catalogue(session)
            announce(f"Loaded {loaded.added} public services.")
        return int((await session.exec(text("SHOW max_connections"))).scalar_one())

    max_connections = asyncio.run(_with_session(prepare, url))
    pool_size = _pool_size_within(max_connections, workers, settings.suara_db_pool_size)
    if pool_size != settings.suara_db_pool_size:
        announce(f"[yellow]{workers} processes × 2 × SUARA_DB_POOL_SIZE={settings.suara_db_pool_size} "
                 f"connections would pass the database's max_connections={max_connections}: "
                 f"each process pools {pool_size}.[/yellow]")
        overrides["suara_db_pool_size"] = pool_size
        settings = settings.model_copy(update={"suara_db_pool_size": pool_size})
    load_or_create_secret_key(settings)  # made once here, not raced by the workers
    where = f"embedded PostgreSQL in {data_folder(settings.resolved_home())}" if embedded else "DATABASE_URL"
    processes = f", {workers} workers" if workers > 1 else ""
    announce(f"[bold]Suara[/bold] on http://{host}:{port}/graphql (GraphiQL) — database: {where}{processes}")
    # Proxy headers are read by Suara's own ForwardedClient, which trusts nobody by default
    # (uvicorn's would trust 127.0.0.1).
    # log_config=None: uvicorn's loggers go through the handler configure_logging set (text or JSON).
    options = {"host": host, "port": port, "log_level": "info", "access_log": False, "proxy_headers": False,
               "log_config": None}
    if workers == 1:
        from suara.app import create_app

        uvicorn.run(create_app(settings), **options)
        return
    # Workers are fresh interpreters (spawned) that read their settings from the environment: give
    # them this process's choices, the embedded server's URL first, so none starts a server of its own,
    # and one fresh folder for their metrics, which /metrics in any worker adds up.
    metrics_dir = _fresh_metrics_folder(settings.prometheus_multiproc_dir)
    overrides["prometheus_multiproc_dir"] = metrics_dir
    os.environ.update({name.upper(): str(value) for name, value in overrides.items()})
    config = uvicorn.Config("suara.app:create_app_from_environment", factory=True, workers=workers, **options)
    try:
        _supervisor(config, had_terminal).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


CONNECTIONS_KEPT_FREE = 10
"""For PostgreSQL's superuser slots, an administrator's psql and `suara jobs run`."""


def _pool_size_within(max_connections: int, processes: int, pool_size: int) -> int:
    """The pool size per process under which all processes (pool + as many overflow + LISTEN and
    spare connection each) stay within the database's max_connections."""
    fitting = (max_connections - CONNECTIONS_KEPT_FREE) // processes // 2 - 1
    return max(2, min(pool_size, fitting))


def _announcer(log_format: str):
    """What `suara serve` tells its operator: on the console, or as log records when logs are JSON lines."""
    if log_format != "json":
        return console.print
    from rich.text import Text

    log = logging.getLogger("suara.serve")
    return lambda message: log.info(Text.from_markup(message).plain)


def _exit_normally(signum, frame) -> None:
    raise SystemExit(0)


def _stop_as_on_sigterm(signum, frame) -> None:
    """SIGHUP (the terminal closed) stops a single `suara serve` exactly as SIGTERM does: uvicorn shuts
    down gracefully, then the exit handlers stop the embedded PostgreSQL. Once: a second hang-up (the
    kernel's and the terminal watch's) must not interrupt that."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.raise_signal(signal.SIGTERM)


def _has_terminal() -> bool:
    """Whether this process still has a controlling terminal (a hang-up takes it away)."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


TERMINAL_CHECK_SECONDS = 1.0


def _watch_terminal() -> None:
    """Send ourselves SIGHUP once the controlling terminal is gone (hung up, its window closed)."""
    import threading
    import time

    def watch() -> None:
        while _has_terminal():
            time.sleep(TERMINAL_CHECK_SECONDS)
        os.kill(os.getpid(), signal.SIGHUP)

    threading.Thread(target=watch, name="suara-terminal-watch", daemon=True).start()


def _fresh_metrics_folder(base: Path | None) -> Path:
    """An empty folder for prometheus-client's multi-process files: values of an earlier run must not count."""
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="suara-metrics-", dir=base))


def _supervisor(config, had_terminal: bool):
    """uvicorn's supervisor of `--workers N`, except that a SIGHUP after the terminal went away stops
    everything (as closing the terminal of a single process does) instead of replacing the workers."""
    from uvicorn.supervisors.multiprocess import Multiprocess

    class Supervisor(Multiprocess):
        def handle_hup(self) -> None:
            if had_terminal and not _has_terminal():
                logging.getLogger("uvicorn.error").info("Received SIGHUP and the terminal is gone, exiting.")
                self.should_exit.set()
                return
            super().handle_hup()

    return Supervisor(config, sockets=[config.bind_socket()])


def _migrate(operation_name: str, revision: str) -> None:
    from suara.db import migrate
    from suara.db.engine import make_engine, resolve_database_url

    async def run():
        engine = make_engine(resolve_database_url(get_settings()), pool_size=1)
        try:
            await getattr(migrate, operation_name)(engine, revision)
            console.print(f"Database at {await migrate.current_revision(engine)}")
        finally:
            await engine.dispose()

    asyncio.run(run())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION."""
    _migrate("upgrade", revision)


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base.")) -> None:
    """Undo migrations down to REVISION."""
    _migrate("downgrade", revision)


@app.command()
def seed(
    directory: Path = typer.Option(None, help="Directory JSON (default: the Jawa Tengah directory)."),
    demo: int = typer.Option(0, help="Also write this many historical demo submissions."),
) -> None:
    """Load the agency directory and categories (existing rows are kept), the public services catalogue
    (updated by slug), and optionally demo history."""
    from rich.progress import Progress

    from suara.agencies import service as agencies
    from suara.services import catalogue
    from suara.transparency.demo import seed_demo

    async def work(session):
        counts = await agencies.load_directory(session, directory or agencies.DIRECTORY_FILE)
        console.print(f"Added {counts.agencies_added} agencies and {counts.categories_added} categories.")
        services = await catalogue.load_catalogue(session)
        console.print(f"Public services: {services.added} added, {services.updated} brought up to date.")
        if demo > 0:
            with Progress(console=console) as progress:
                task = progress.add_task("demo history", total=demo)
                await seed_demo(session, demo, progress=lambda done: progress.advance(task, done))
            console.print(f"Wrote {demo} demo submissions and rebuilt the counters.")

    asyncio.run(_with_session(work))


@category_app.command("assign")
def category_assign(category: str, agency: str) -> None:
    """Send CATEGORY's submissions to AGENCY (slug) from now on."""
    from suara.agencies import service as agencies
    from suara.common.errors import NotFound

    async def work(session):
        return await agencies.assign_category(session, category, agency)

    try:
        asyncio.run(_with_session(work))
    except NotFound as error:
        console.print(f"[red]{error.message_en}[/red]")
        raise typer.Exit(1) from error
    console.print(f"{category} → {agency}")


@staff_app.command("create")
def staff_create(
    agency: str = typer.Option(..., help="Agency slug, e.g. dpu-binamarga-cipkataru."),
    email: str = typer.Option(...),
    role: str = typer.Option("officer", help="officer, agency_admin or triage_admin."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Create a staff account; prints a one-time password (changed at first sign-in) unless one is given on stdin."""
    import sys

    from suara.common.errors import NotFound, ValidationFailed
    from suara.triage import auth

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None

    async def work(session):
        return await auth.create_staff(session, agency_slug=agency, email=email, role=role, password=password)

    try:
        staff, chosen = asyncio.run(_with_session(work))
    except ValidationFailed as error:
        for problem in error.problems:
            console.print(f"[red]{problem.field}: {problem.message_en}[/red]")
        raise typer.Exit(1) from error
    except NotFound as error:
        console.print(f"[red]{error.message_en}[/red]")
        raise typer.Exit(1) from error
    console.print(f"Created {staff.role} {staff.email} at {agency}.")
    if not password_stdin:
        typer.echo(f"One-time password: {chosen}")


@stats_app.command("rebuild")
def stats_rebuild() -> None:
    """Recompute every counter from the event log (they are kept incrementally; this checks and repairs)."""
    from suara.submissions.counting import rebuild

    rows = asyncio.run(_with_session(rebuild))
    console.print(f"Rebuilt {rows} counter rows from the event log.")


@app.command()
def precision(
    rebuild: bool = typer.Option(False, "--rebuild", help="First add the outcomes the event log holds and the "
                                 "table lacks (decisions made before this version of Suara)."),
) -> None:
    """Live precision of each routing model version, from staff decisions, and the threshold the monitor raised."""
    from suara.live_precision import monitor, outcomes

    async def work(session):
        added = await outcomes.rebuild(session) if rebuild else 0
        return added, await monitor.summary(session)

    added, versions = asyncio.run(_with_session(work))
    if rebuild:
        console.print(f"Added {added} outcomes from the event log.")
    for live in versions:
        bound = f"{live.window_lower_bound:.3f}" if live.window_lower_bound is not None else "—"
        share = f"{live.precision:.3f}" if live.precision is not None else "—"
        raised = ("stopped" if live.stopped else f"{live.raised_threshold:.3f}") if live.raised_threshold else "—"
        typer.echo(f"{live.model_version}: {live.correct}/{live.outcomes} right ({share}), lower bound {bound}, "
                   f"raised threshold {raised}")


@jobs_app.command("run")
def jobs_run(
    once: bool = typer.Option(False, help="Run each job once and exit."),
    interval: float = typer.Option(60.0, help="Seconds between rounds."),
    sender: str = typer.Option("console", help="Outbox gateway: console."),
) -> None:
    """Escalate overdue items, auto-close, queue staff digests (07:00 local), send the outbox."""
    from suara.jobs import run_jobs
    from suara.observability.logs import configure_logging

    configure_logging(get_settings().suara_log_format)
    asyncio.run(run_jobs(get_settings(), once=once, interval=interval, sender_name=sender, echo=console.print))


DEFAULT_MODEL = Path("models/default.skops")


@app.command()
def train(
    data: Path = typer.Option(None, help="CSV with columns text,label and optionally agency (and status)."),
    from_db: bool = typer.Option(False, "--from-db", help="Staff-confirmed or corrected submissions, plus the seed corpus."),
    seed_only: bool = typer.Option(False, "--seed-corpus", help="Only the project's own seed corpus (the shipped model)."),
    calibration: Path = typer.Option(
        None, help="CSV of items the model is not fitted on, to choose the auto-route threshold on "
        "(default: a held-out fifth of the training rows)."),
    first_half: bool = typer.Option(
        False, "--calibrate-on-first-half",
        help="Split --calibration into its two fixed halves: threshold from the first, card figures from the second."),
    out: Path = typer.Option(DEFAULT_MODEL, help="Where to write the .skops model (its card goes next to it)."),
    name: str = typer.Option(None, help="Model name (default: the file name)."),
    card_note: str = typer.Option("", help="A paragraph for the model card (e.g. figures measured by bench/routing.py)."),
) -> None:
    """Train the routing model (agencies too when the data has them); the auto-route threshold keeps
    the 95 % lower confidence bound of precision ≥ 95 % on items the model was not fitted on."""
    from suara.routing.evaluate import format_report
    from suara.routing.model import save
    from suara.routing.model import train as train_model
    from suara.routing.training import (
        LabelledData,
        TrainingDataError,
        read_routing_csv,
        seed_corpus_data,
    )
    from suara.submissions import routing_labels

    if sum((data is not None, from_db, seed_only)) != 1:
        console.print("[red]Give exactly one of --data FILE.csv, --from-db or --seed-corpus.[/red]")
        raise typer.Exit(2)
    if first_half and calibration is None:
        console.print("[red]--calibrate-on-first-half needs --calibration FILE.csv.[/red]")
        raise typer.Exit(2)
    try:
        if data is not None:
            training = read_routing_csv(data)
            source = str(data)
        elif seed_only:
            training = seed_corpus_data()
            source = "Suara's seed corpus (src/suara/routing/seed_corpus*.csv)"
        else:
            database_rows = asyncio.run(_with_session(routing_labels.labelled_rows))
            training = seed_corpus_data() + LabelledData(
                [row[0] for row in database_rows], [row[1] for row in database_rows], [row[2] for row in database_rows])
            source = f"seed corpus + {len(database_rows)} staff-labelled submissions"
        held_out = read_routing_csv(calibration) if calibration is not None else None
    except TrainingDataError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    agencies = training.agencies if training.agencies and any(training.agencies) else None
    console.print(f"Training on {len(training)} texts, {len(set(training.labels))} categories"
                  f"{f', {len({a for a in agencies if a})} agencies' if agencies else ''} ({source}).")
    with console.status("training") as status:
        progress = lambda step: status.update(f"training: {step}")
        if held_out is not None and first_half:
            model = train_default_style(training, held_out, name=name or out.stem, source=source,
                                        calibration_path=calibration, progress=progress)
        else:
            model = train_model(
                training.texts, training.labels, agencies=agencies, name=name or out.stem, source=source,
                calibration=(held_out.texts, held_out.labels, held_out.agencies) if held_out is not None else None,
                calibration_source=str(calibration) if calibration is not None else None, progress=progress)
    save(model, out, card_note)
    console.print(format_report(model.cv_metrics))
    console.print(f"Saved {out} and {out.with_suffix('.md')} (version {model.version}, threshold "
                  f"{model.threshold:.3f} at the {model.threshold_level} level).")


def train_default_style(training, held_out, *, name: str, source: str, calibration_path: Path, progress):
    """Fit on the training rows; on the first fixed half of ``held_out`` measure each agency's
    reliability (its first half) and choose the threshold (its second half); report the second half."""
    from suara.routing.evaluate import evaluate as evaluate_model
    from suara.routing.model import calibrate, fit, measure_reliability, own_data_figures
    from suara.routing.training import fixed_halves

    agencies = training.agencies if training.agencies and any(training.agencies) else None
    first, second = fixed_halves(held_out)
    calibration_half, report_half = held_out.subset(first), held_out.subset(second)
    reliability_rows, threshold_rows = fixed_halves(calibration_half)
    reliability_part, threshold_part = calibration_half.subset(reliability_rows), calibration_half.subset(threshold_rows)
    model = fit(training.texts, training.labels, agencies=agencies, name=name, source=source, progress=progress)
    model.corpus_metrics = own_data_figures(model)
    if model.agency_head is not None:
        progress("measuring each agency's reliability on the first quarter of the calibration data")
        measure_reliability(model, reliability_part.texts, reliability_part.agencies)
    else:
        threshold_part = calibration_half
    progress("choosing the threshold on the second quarter of the calibration data")
    calibrate(model, threshold_part.texts, threshold_part.labels, agencies=threshold_part.agencies,
              source=f"the first fixed half of {calibration_path.name}"
              + (" (its second half; its first half measured each agency's reliability)"
                 if model.agency_head is not None else ""))
    model.cv_metrics = evaluate_model(model, report_half.texts, report_half.labels, report_half.agencies)
    model.calibration["evaluated_on"] = (f"the second fixed half of {calibration_path.name}: {len(report_half)} real "
                                        "complaints, used neither to fit nor to calibrate")
    return model


@app.command()
def evaluate(
    data: Path = typer.Option(..., help="CSV with columns text,label and optionally agency (and status)."),
    model_path: Path = typer.Option(None, "--model", help="Model file (default: SUARA_MODEL_PATH)."),
    half: str = typer.Option("all", help="all, or first/second: one of the data's two fixed halves."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Macro-F1, accuracy, per-class F1, top-3 accuracy, agency accuracy and macro-F1 (with an agency
    column), and auto-routing coverage, precision and its 95 % lower bound."""
    import json

    from suara.routing.evaluate import evaluate as evaluate_model
    from suara.routing.evaluate import format_report
    from suara.routing.model import ModelLoadError, load
    from suara.routing.training import TrainingDataError, fixed_halves, read_routing_csv

    if half not in ("all", "first", "second"):
        console.print("[red]--half is all, first or second.[/red]")
        raise typer.Exit(2)
    try:
        model = load(model_path or get_settings().suara_model_path)
        labelled = read_routing_csv(data)
    except (ModelLoadError, TrainingDataError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    if half != "all":
        labelled = labelled.subset(fixed_halves(labelled)[0 if half == "first" else 1])
    metrics = evaluate_model(model, labelled.texts, labelled.labels, labelled.agencies)
    metrics["model_version"] = model.version
    typer.echo(json.dumps(metrics, indent=2) if as_json else format_report(metrics))


def _print_step(step: int, steps: int, what: str, result: str | None) -> None:
    if result is None:
        console.print(f"[bold][{step}/{steps}][/bold] {what} …")
    else:
        console.print(f"      {result}")


PG_BIN_HELP = ("Folder of the pg_dump/pg_restore to use instead of the bundled PostgreSQL 16 ones "
               "(for a newer server, e.g. /usr/lib/postgresql/17/bin).")


@app.command()
def backup(
    file: Path = typer.Argument(..., help="The archive to write, e.g. suara-2026-11-30.tar."),
    pg_bin: Path = typer.Option(None, "--pg-bin", help=PG_BIN_HELP),
) -> None:
    """Back up the database (pg_dump), the secret key and the media folder into one archive FILE."""
    from suara.backups.service import backup as make_backup
    from suara.backups.tools import BackupError

    try:
        manifest = asyncio.run(make_backup(get_settings(), file, pg_bin=pg_bin, progress=_print_step))
    except BackupError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(f"Backed up to {file} (migration {manifest.migration}, {manifest.media_files} media files). "
                  "It holds personal data and the server key: keep it encrypted.")


@app.command()
def restore(
    file: Path = typer.Argument(..., help="An archive written by `suara backup`."),
    replace: bool = typer.Option(False, "--replace", help="Drop what the database and SUARA_HOME hold first."),
    pg_bin: Path = typer.Option(None, "--pg-bin", help=PG_BIN_HELP),
) -> None:
    """Restore a backup into the database (empty, or --replace) and SUARA_HOME: data, key and media."""
    from suara.backups.service import restore as restore_backup
    from suara.backups.tools import BackupError

    try:
        manifest = asyncio.run(restore_backup(get_settings(), file, replace=replace, pg_bin=pg_bin,
                                              progress=_print_step))
    except BackupError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(f"Restored the backup of {manifest.created_at}.")


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` is this output."""
    from suara.api.graphql.schema import schema as graphql_schema

    typer.echo(graphql_schema.as_str())



@apikey_app.command("create")
def apikey_create(name: str = typer.Option(..., help='Who gets it, e.g. "FixMyStreet Semarang".')) -> None:
    """Create an Open311 API key; prints it once (only its hash is stored)."""
    from suara.channels.open311 import service

    row, key = asyncio.run(_with_session(lambda session: service.create_key(session, name)))
    console.print(f"Created Open311 key {row.id} for {row.name}.")
    typer.echo(key)


@apikey_app.command("revoke")
def apikey_revoke(key_id: int = typer.Argument(..., help="The key's number, as printed at creation.")) -> None:
    """Revoke an Open311 API key."""
    from suara.channels.open311 import service

    if not asyncio.run(_with_session(lambda session: service.revoke_key(session, key_id))):
        console.print(f"[red]No active key {key_id}.[/red]")
        raise typer.Exit(1)
    console.print(f"Revoked Open311 key {key_id}.")


@sms_app.command("secret")
def sms_secret() -> None:
    """Print the secret the SMS gateway must sign inbound webhooks with (see README, SMS)."""
    from types import SimpleNamespace

    from suara.api.sms import webhook_secret
    from suara.state import load_or_create_secret_key

    settings = get_settings()
    typer.echo(webhook_secret(SimpleNamespace(settings=settings, secret_key=load_or_create_secret_key(settings))).decode())


if __name__ == "__main__":
    app()
