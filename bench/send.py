"""How fast campaigns go out (issue 7). Run by hand: ``.venv/bin/python bench/send.py``.

Prints, in one run, against an aiosmtpd sink in its own process on loopback:

1. the campaign engine's throughput sending N (10,000) personalised messages of the seed
   communiqué with its PDF attached: claims, personalisation, one SMTP connection per batch,
   one committed row per message (SQLite);
2. a bare smtplib loop sending the same bytes over as many connections (one per batch of the
   same size) — goal: the engine ≥ 0.7 of its throughput;
3. the sending process's peak memory (VmHWM, reset once the database is open; each in a fresh
   subprocess) for 10,000 and 100,000 recipients — goal: at most 1.2x. These runs link the
   PDF so that the 100,000 run takes minutes, not an hour; what grows with recipients is the
   same either way.

Campaign creation (reading the list, inserting rows) is not timed: it is not sending.
Timings are wall-clock on a machine others may share; run it twice when figures look odd.
The sending process's CPU time per message is printed too: it does not depend on the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pressroom.campaign_creation import create_campaign
from pressroom.campaign_mail import campaign_mail, outgoing_for
from pressroom.campaigns import TERMINAL
from pressroom.config import Site, load_site
from pressroom.db import ensure_database
from pressroom.mail.smtp import SmtpSettings
from pressroom.models.deliveries import Claimed
from pressroom.sending import SendSettings, run_campaign

REPO = Path(__file__).resolve().parents[1]
SEED = "numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech"
BATCH = 50
HEADER = (
    "email,first_name,last_name,outlet,role,beats,phone,language,consent_source,consent_date,notes"
)


def make_site(folder: Path, count: int) -> Site:
    """The demo site with a public address and a list ``bench`` of ``count`` journalists."""
    shutil.copytree(REPO / "releases", folder / "releases")
    settings = (REPO / "pressroom.toml").read_text(encoding="utf-8")
    (folder / "pressroom.toml").write_text(
        settings.replace(
            'base_url = "http://127.0.0.1:5000"', 'base_url = "https://presse.example.org"'
        ),
        encoding="utf-8",
    )
    (folder / "contacts").mkdir()
    rows = (
        f"j{n}@example.com,Prénom{n},Nom{n},Média,Journaliste,numérique,,fr,,,"
        for n in range(count)
    )
    (folder / "contacts" / "bench.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", "utf-8")
    return load_site(folder)


def start_sink() -> tuple[subprocess.Popen[str], int]:
    from tests.mail.conftest import _free_port

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.campaigns.sink", str(port), "-"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process, port


def engine_run(site: Site, port: int, link_pdf: bool) -> tuple[int, float, float, int]:
    """Create the campaign (untimed), send it; (campaign id, seconds, CPU seconds of this
    process, messages sent)."""
    database = ensure_database(site)
    info, _ = create_campaign(site, database, SEED, ["bench"], actor=TERMINAL, link_pdf=link_pdf)
    assert info is not None
    settings = SendSettings(smtp=SmtpSettings("127.0.0.1", port, timeout=30), batch_size=BATCH)
    campaign_mail(site, database, info.id)  # renders the PDF into the cache: not sending
    start, cpu = time.perf_counter(), time.process_time()
    outcome = run_campaign(site, info.id, settings, database=database)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert outcome.done and not outcome.failed, outcome
    return info.id, elapsed, cpu, outcome.sent


def bare_run(site: Site, campaign_id: int, port: int, count: int) -> tuple[float, float, int]:
    """The same bytes (one batch's messages, built beforehand) through smtplib alone."""
    database = ensure_database(site)
    mail = campaign_mail(site, database, campaign_id)
    batch = []
    for n in range(BATCH):
        claimed = Claimed(n + 1, campaign_id, f"j{n}@example.com", f"Prénom{n} Nom{n}", "bench", 1)
        outgoing = outgoing_for(mail, claimed)
        batch.append((outgoing.envelope.mail_from, outgoing.envelope.rcpt_to, outgoing.as_bytes()))
    size = sum(len(data) for _, _, data in batch) // BATCH
    start, cpu = time.perf_counter(), time.process_time()
    sent = 0
    while sent < count:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
            for mail_from, rcpt_to, data in batch[: count - sent]:
                connection.sendmail(mail_from, list(rcpt_to), data)
                sent += 1
    return time.perf_counter() - start, time.process_time() - cpu, size


def memory_child(folder: str, port: int) -> None:
    """In a fresh process: send the campaign already made in ``folder``; print peak RSS."""
    site = load_site(folder)
    database = ensure_database(site)
    settings = SendSettings(smtp=SmtpSettings("127.0.0.1", port, timeout=30), batch_size=BATCH)
    from pressroom.campaigns import list_campaigns

    campaign = list_campaigns(database, limit=1)[0]
    # Opening a freshly written SQLite database reads its write-ahead log whole, a peak that
    # grows with the rows the parent inserted: not sending. Linux resets the peak on request.
    Path("/proc/self/clear_refs").write_text("5")
    outcome = run_campaign(site, campaign.id, settings, database=database)
    print(json.dumps({"sent": outcome.sent, "peak_kib": _peak_kib()}))


def _peak_kib() -> int:
    """VmHWM, the peak resident set since the last reset (ru_maxrss cannot be reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_for(count: int, port: int, workdir: Path) -> dict[str, int]:
    folder = workdir / f"memory-{count}"
    folder.mkdir()
    site = make_site(folder, count)
    database = ensure_database(site)
    create_campaign(site, database, SEED, ["bench"], actor=TERMINAL, link_pdf=True)
    database.dispose()
    output = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(folder), "--port", str(port)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, int] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--memory", type=int, nargs=2, default=(10_000, 100_000))
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.port)
        return
    sink, port = start_sink()
    workdir = Path(tempfile.mkdtemp(prefix="pressroom-bench-send-"))
    try:
        os.environ.pop("PRESSROOM_DATABASE_URL", None)
        site = make_site(workdir / "throughput", args.count)
        campaign_id, engine_seconds, engine_cpu, sent = engine_run(site, port, link_pdf=False)
        bare_seconds, bare_cpu, size = bare_run(site, campaign_id, port, args.count)
        engine_rate, bare_rate = sent / engine_seconds, args.count / bare_seconds
        print(f"message size (PDF attached): {size / 1024:.0f} KiB")
        print(
            f"engine: {sent} messages in {engine_seconds:.1f} s = {engine_rate:.0f}/s "
            f"(sender's CPU {engine_cpu / sent * 1000:.2f} ms/message)"
        )
        print(
            f"bare smtplib: {args.count} messages in {bare_seconds:.1f} s = {bare_rate:.0f}/s "
            f"(sender's CPU {bare_cpu / args.count * 1000:.2f} ms/message)"
        )
        print(f"ratio: {engine_rate / bare_rate:.2f} (goal >= 0.7)")
        small, large = args.memory
        low, high = memory_for(small, port, workdir), memory_for(large, port, workdir)
        print(f"peak memory sending {small}: {low['peak_kib'] / 1024:.0f} MiB ({low['sent']} sent)")
        print(
            f"peak memory sending {large}: {high['peak_kib'] / 1024:.0f} MiB ({high['sent']} sent)"
        )
        print(f"memory ratio: {high['peak_kib'] / low['peak_kib']:.2f} (goal <= 1.2)")
    finally:
        sink.terminate()
        sink.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
