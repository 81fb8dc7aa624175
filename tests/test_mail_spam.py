"""Every kind of mail, as the SMTP server received it, scores under 2 points in SpamAssassin's local rules."""
import mailbox
import re
import shutil
import subprocess

import pytest

from .support.mails import deliver_every_kind

SPAMASSASSIN = shutil.which("spamassassin")
#: Well below SpamAssassin's 5 points, so that a city's stricter filter lets the mails through too.
LIMIT = 2.0
_STATUS = re.compile(r"score=(-?[\d.]+) .*?tests=(.*?) autolearn=")


def spam_scores(raws: dict, home) -> dict:
    """SpamAssassin (local tests only, no Bayes, no network) over the mails in one run: (score, rules) by key."""
    inbox = home / "inbox.mbox"
    box = mailbox.mbox(inbox)
    for raw in raws.values():
        box.add(raw.replace(b"\r\n", b"\n"))
    box.flush()
    result = subprocess.run(
        [SPAMASSASSIN, "--local", "--mbox", "--nocreate-prefs", "--cf=use_bayes 0", "--cf=use_auto_whitelist 0", str(inbox)],
        capture_output=True,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=True,
    )
    checked = home / "checked.mbox"
    checked.write_bytes(result.stdout)
    # SpamAssassin reads an mbox in the order of the mails' dates, so the mails are matched by Message-ID.
    statuses = {_unfolded(message["Message-ID"]): _unfolded(message["X-Spam-Status"]) for message in mailbox.mbox(checked)}
    assert len(statuses) == len(raws), result.stderr.decode()[-2000:]
    scores = {}
    for key, raw in raws.items():
        message_id = _unfolded(mailbox.mboxMessage(raw)["Message-ID"])
        score, rules = _STATUS.search(statuses[message_id]).groups()
        scores[key] = (float(score), [rule.strip() for rule in rules.split(",")])
    return scores


def _unfolded(value) -> str:
    return " ".join(str(value).split())


@pytest.mark.skipif(SPAMASSASSIN is None, reason="SpamAssassin not installed: apt-get install spamassassin (the CI script does)")
def test_every_kind_of_mail_scores_under_two_points(mail_app, smtp_server, tmp_path):
    # Long and short titles and links: SpamAssassin counts an image in a short HTML part as spam.
    mails = {("long",) + key: raw for key, raw in deliver_every_kind(mail_app, smtp_server).items()}
    short = deliver_every_kind(mail_app, smtp_server, title="Infotag", base_url="https://infotag.example")
    mails.update({("short",) + key: raw for key, raw in short.items()})
    scores = spam_scores(mails, tmp_path)
    print("\nSpamAssassin (local rules) per kind of mail:")
    for (variant, language, kind), (score, rules) in scores.items():
        print(f"  {variant:5} {language} {kind:34} {score:5.1f}  {','.join(rules)}")
    too_high = {key: value for key, value in scores.items() if value[0] >= LIMIT}
    assert not too_high, f"mails scoring {LIMIT} points or more: {too_high}"
