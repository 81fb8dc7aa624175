import signal
import threading

import click
from flask.cli import AppGroup

from .sender import run_loop, run_round_hooks, send_all_due

mail_cli = AppGroup("mail", help="Deliver the outbox over SMTP.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, polling every TRACKER_MAIL_POLL_INTERVAL seconds.")
def send_command(loop: bool) -> None:
    """Run the registered work that queues mails (unfinished invitation batches) and deliver the due mails once,
    or keep doing so with --loop.

    SIGTERM and Ctrl-C stop the loop after the batch in hand, so no mail is left half-sent.
    """
    if not loop:
        while run_round_hooks():
            pass
        report = send_all_due()
        click.echo(f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed.")
        return
    stop = threading.Event()

    def request_stop(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo("Mail sender running; SIGTERM or Ctrl-C stops it.")
    run_loop(stop)
    click.echo("Mail sender stopped.")
