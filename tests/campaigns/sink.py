"""An SMTP sink in its own process: accepts everything, appends ``<time> <address>`` per
accepted recipient to a file. What the worker-kill test, the services test and bench/send.py
send to, so that killing a worker never touches the server.

Run: ``python -m tests.campaigns.sink PORT OUTFILE`` (OUTFILE ``-`` records nothing); it prints
``ready`` once listening and stops on SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import IO

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class RecordingHandler:
    """Accepts every message; writes one line per recipient, flushed as it is accepted."""

    def __init__(self, out: IO[str] | None) -> None:
        self.out = out
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        if self.out is not None:
            stamp = time.time()
            for address in envelope.rcpt_tos:
                self.out.write(f"{stamp:.6f} {address}\n")
            self.out.flush()
        return f"250 2.0.0 Ok: queued as S{self.count}"


def main() -> None:
    port, target = int(sys.argv[1]), sys.argv[2]
    out = None if target == "-" else open(target, "a", encoding="utf-8")  # noqa: SIM115
    controller = Controller(
        RecordingHandler(out),
        hostname="127.0.0.1",
        port=port,
        decode_data=False,
        data_size_limit=50_000_000,
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    if out is not None:
        out.close()


if __name__ == "__main__":
    main()
