"""`letters login --check`: what the mailbox lets the back-end do, proved, one line each.

Reading and saving drafts are proved by doing them. Sending is proved only by sending: with
--send-test a test message goes to the mailbox itself. Without it, a draft with no recipient is
offered to Graph, which sends nothing: a 403 there proves Mail.Send is missing, but any other
answer proves nothing (Graph may refuse the missing recipients before it checks permissions).
"""

from __future__ import annotations

from typing import Any

import requests

from pipeline.errors import LettersError
from pipeline.mail.m365_graph import READ, SEND, GraphMailbox, http_status

TEST_SUBJECT = "SAR letters: test message from `letters login --check --send-test`"


class CheckedMailbox(GraphMailbox):
    """A mailbox that can say what it lets the back-end do."""

    def check(self, send_test: bool = False) -> list[str]:
        """Say whether the mailbox can be read, hold drafts and be sent from, and what is not
        proved; with ``send_test``, prove sending by sending a test message to the mailbox."""
        mailbox = self.settings.mailbox
        lines = [self._signed_in_line()]
        try:
            self._get("/mailFolders/inbox/messages", {"$top": "1", "$select": "id"})
            lines.append(f"Reading {mailbox}: yes ({READ}).")
            draft = self._get_url(
                f"{self.url}/mailFolders/drafts/messages",
                None,
                "save a draft",
                READ,
                method="post",
                data=_test_message(mailbox) if send_test else _recipientless(),
            )
            lines.append(f"Saving drafts in {mailbox}: yes ({READ}).")
        except LettersError as error:
            return [*lines, error.message]
        url = f"{self.url}/messages/{draft['id']}"
        try:
            with self._talking("send the test message" if send_test else "send", SEND):
                self.connection.post(f"{url}/send", data=None)
            if send_test:
                return [*lines, _sent(mailbox)]
            lines.append(_not_proved(mailbox))  # accepted with no recipient: proves nothing
        except LettersError as error:
            cause = error.__cause__
            forbidden = isinstance(cause, requests.HTTPError) and http_status(cause) == 403
            lines.append(error.message if send_test or forbidden else _not_proved(mailbox))
        lines.extend(self._delete(url))
        return lines

    def _signed_in_line(self) -> str:
        """Say who is signed in, for which mailbox."""
        mailbox, auth = self.settings.mailbox, self.settings.auth
        user = self.connection.signed_in_as
        if auth == "app" or not user:
            return f"Signed in to Microsoft 365 ({auth}) for {mailbox}."
        if user.lower() == mailbox.lower():
            return f"Signed in to Microsoft 365 as {user} ({auth})."
        return f"Signed in to Microsoft 365 as {user} ({auth}) for {mailbox}, shared with them."

    def _delete(self, url: str) -> list[str]:
        """Delete the draft the check made; say so only if it could not be deleted."""
        try:
            with self._talking("delete the test draft", READ):
                self.connection.delete(url)
        except LettersError as error:
            cause = error.__cause__
            if not isinstance(cause, requests.HTTPError) or http_status(cause) != 404:
                return [error.message]
        return []


def _recipientless() -> dict[str, Any]:
    """A draft that cannot go anywhere: it has no recipient."""
    return {"subject": "letters login --check (deleted at once)"}


def _test_message(mailbox: str) -> dict[str, Any]:
    """The test message of --send-test: from the mailbox to itself."""
    return {
        "subject": TEST_SUBJECT,
        "body": {
            "contentType": "Text",
            "content": "SAR letters sent this message to prove that it can send from this "
            "mailbox. You can delete it.",
        },
        "toRecipients": [{"emailAddress": {"address": mailbox}}],
    }


def _sent(mailbox: str) -> str:
    return (
        f"Sending from {mailbox}: yes ({SEND}): a test message went to {mailbox} itself; it "
        "arrives in its Inbox shortly, and can be deleted there."
    )


def _not_proved(mailbox: str) -> str:
    return (
        f"Sending from {mailbox}: not proved (run `letters login --check --send-test` to send a "
        f"test message to {mailbox} itself)."
    )
