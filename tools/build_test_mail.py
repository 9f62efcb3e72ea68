"""Build tests/data/mail/: bounces and automatic replies in the shapes real servers send.

Each follows what its server writes (RFC 3464 delivery reports; RFC 3834 automatic replies):
Exchange Online's "Undeliverable:" (HTML and text, delivery-status, the original message),
Gmail's "Delivery Status Notification (Failure)" and "(Delay)" (the original's headers only),
Postfix's "Undelivered Mail Returned to Sender" (text, delivery-status, the whole original),
Outlook's "Automatic reply:" and a vacation responder's reply. Everyone in them is fictional,
at example.org. The letter that bounced carries LETTER_ID, which a test replaces with the
Message-ID the journal has for the letter it sent. Run: python tools/build_test_mail.py
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "mail"
LETTER_ID = "<letter-tp2@example.org>"
SUBJECT = "Request for consent to disclose information [SAR-2026-001/TP2]"
SETTING = "Little Acorns Nursery <office@example.org>"
TO = "kiran@example.org"
EXCHANGE_SENDER = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.org"


def letter() -> EmailMessage:
    """The consent request as the pipeline sent it to TP2 (its PDF left out, as servers do)."""
    message = EmailMessage()
    message["From"] = SETTING
    message["To"] = f"Kiran Shah <{TO}>"
    message["Subject"] = SUBJECT
    message["Message-ID"] = LETTER_ID
    message["Date"] = "Tue, 03 Nov 2026 10:00:00 +0000"
    message.set_content(
        "Dear Kiran Shah,\n\nPlease find attached our letter about the request with our "
        "reference SAR-2026-001/TP2. When you reply, please keep the reference in the subject "
        "line.\n\nKind regards,\nAlex Example\nOwner\nLittle Acorns Nursery\n"
    )
    return message


def status(*blocks: dict[str, str]) -> MIMEBase:
    """A message/delivery-status part: the per-message block, then one per recipient."""
    part = MIMEBase("message", "delivery-status")
    fields = []
    for block in blocks:
        item = Message()
        for name, value in block.items():
            item[name] = value
        fields.append(item)
    part.set_payload(fields)
    return part


def report(headers: dict[str, str], *parts: Message, preamble: str = "") -> MIMEMultipart:
    """A multipart/report of type delivery-status, with its headers in the server's order."""
    message = MIMEMultipart("report", report_type="delivery-status")
    for part in parts:
        message.attach(part)
    as_servers_write(message, headers)
    if preamble:
        message.preamble = preamble
    return message


def as_servers_write(message: Message, headers: dict[str, str]) -> None:
    """Put the server's headers first and the MIME ones after, none on the inner parts."""
    mime = [(name, message[name]) for name in ("MIME-Version", "Content-Type")]
    for name, _ in mime:
        del message[name]
    for name, value in [*headers.items(), *mime]:
        message[name] = value
    for part in message.walk():
        if part is not message and "Message-ID" not in part:  # the returned letter keeps its own
            del part["MIME-Version"]


def alternative(text: str, html: str) -> MIMEMultipart:
    part = MIMEMultipart("alternative")
    part.attach(MIMEText(text, "plain", "us-ascii"))
    part.attach(MIMEText(html, "html", "us-ascii"))
    return part


def exchange_online() -> Message:
    """Exchange Online's non-delivery report: a recipient not found (5.1.10)."""
    text = (
        "Your message to kiran@example.org couldn't be delivered.\n\n"
        "kiran wasn't found at example.org.\n\n"
        "office     Office 365      kiran\nAction Required                 Recipient\n\n"
        "Unknown To address\n\nHow to Fix It\nThe address may be misspelled or may not exist. "
        "Try one or more of the following:\n- Send the message again following these steps: "
        "In Outlook, open this non-delivery report (NDR) and choose Send Again from the Report "
        "ribbon.\n- Retype the entire recipient address.\n"
    )
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=us-ascii">'
        '</head><body><p style="font-family:Segoe UI;font-size:17px">Your message to '
        '<a href="mailto:kiran@example.org">kiran@example.org</a> couldn\'t be delivered.</p>'
        '<p style="font-size:21px"><b>kiran</b> wasn\'t found at <b>example.org</b>.</p>'
        "<table><tr><td>office</td><td>Office 365</td><td>kiran</td></tr><tr><td></td>"
        '<td style="color:#c00000"><b>Action Required</b></td><td>Recipient</td></tr></table>'
        "<p><b>Unknown To address</b></p><p><b>How to Fix It</b><br>The address may be "
        "misspelled or may not exist.</p></body></html>"
    )
    return report(
        {
            "From": f"Microsoft Outlook <{EXCHANGE_SENDER}>",
            "To": "<office@example.org>",
            "Date": "Thu, 5 Nov 2026 09:14:22 +0000",
            "Subject": f"Undeliverable: {SUBJECT}",
            "Message-ID": "<3b5f7c2e-8d41-4a7e-9f0b-2c6d8e1a4b77@AM0PR01MB1234.eurprd01."
            "prod.exchangelabs.com>",
            "In-Reply-To": LETTER_ID,
            "References": LETTER_ID,
            "Thread-Topic": SUBJECT,
            "Thread-Index": "AQHZxAbCdEfGhIjKlMnOpQrStUvWxA==",
            "X-MS-Exchange-Message-Is-Ndr": "",
            "X-MS-PublicTrafficType": "Email",
            "Return-Path": "<>",
            "Content-Language": "en-GB",
        },
        alternative(text, html),
        status(
            {
                "Reporting-MTA": "dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com",
                "Received-From-MTA": "dns;DB9PR01MB5678.eurprd01.prod.exchangelabs.com",
                "Arrival-Date": "Thu, 5 Nov 2026 09:14:20 +0000",
            },
            {
                "Final-Recipient": f"rfc822;{TO}",
                "Action": "failed",
                "Status": "5.1.10",
                "Diagnostic-Code": "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient "
                "not found by SMTP address lookup",
            },
        ),
        MIMEMessage(letter()),
    )


def gmail(action: str = "failed") -> Message:
    """Gmail's delivery status notification: an address not found, or a delay."""
    failed = action == "failed"
    headers = "\n".join(f"{name}: {value}" for name, value in letter().items())
    notice = (
        "** Address not found **\n\nYour message wasn't delivered to kiran@example.org "
        "because the address couldn't be found, or is unable to receive mail.\n\nLearn more "
        "here: https://support.google.com/mail/?p=NoSuchUser\n\nThe response was:\n\n550 5.1.1 "
        "<kiran@example.org>: Recipient address rejected: User unknown\n"
        if failed
        else "** Message not delivered yet **\n\nThere was a temporary problem delivering your "
        "message to kiran@example.org. Gmail will retry for 46 more hours. You'll be notified if "
        "the delivery fails permanently.\n"
    )
    message = report(
        {
            "Return-Path": "<>",
            "From": "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
            "To": "office@example.org",
            "Auto-Submitted": "auto-replied",
            "Subject": f"Delivery Status Notification ({'Failure' if failed else 'Delay'})",
            "References": LETTER_ID,
            "In-Reply-To": LETTER_ID,
            **({"X-Failed-Recipients": TO} if failed else {}),
            "Message-ID": f"<6547a1c2.050a0220.{'1f2e' if failed else '3c4d'}.9a8bGMR"
            "@mx.google.com>",
            "Date": "Thu, 05 Nov 2026 01:14:22 -0800 (PST)",
        },
        alternative(notice, "<html><body><p>" + notice.replace("\n\n", "</p><p>") + "</p>"),
        status(
            {
                "Reporting-MTA": "dns; googlemail.com",
                "Received-From-MTA": "dns; office@example.org",
                "Arrival-Date": "Thu, 05 Nov 2026 01:14:21 -0800 (PST)",
                "X-Original-Message-ID": LETTER_ID,
            },
            {
                "Final-Recipient": f"rfc822; {TO}",
                "Action": action,
                "Status": "5.1.1" if failed else "4.4.7",
                "Remote-MTA": "dns; mx.example.org. (192.0.2.25, the server for the domain "
                "example.org.)",
                "Diagnostic-Code": "smtp; 550 5.1.1 <kiran@example.org>: Recipient address "
                "rejected: User unknown"
                if failed
                else "smtp; 421 4.4.7 Service not available, try again later",
                "Last-Attempt-Date": "Thu, 05 Nov 2026 01:14:22 -0800 (PST)",
            },
        ),
        MIMEText(headers + "\n", "rfc822-headers", "us-ascii"),
    )
    return message


def postfix() -> Message:
    """Postfix's bounce: the notification, the delivery report and the undelivered message."""
    notification = MIMEText(
        "This is the mail system at host mail.example.org.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "For further assistance, please send mail to postmaster.\n\n"
        "If you do so, please include this problem report. You can\n"
        "delete your own text from the attached returned message.\n\n"
        "                   The mail system\n\n"
        "<kiran@example.org>: host mx.example.org[192.0.2.25] said: 550 5.1.1\n"
        "    <kiran@example.org>: Recipient address rejected: User unknown in virtual\n"
        "    mailbox table (in reply to RCPT TO command)\n",
        "plain",
        "us-ascii",
    )
    notification["Content-Description"] = "Notification"
    delivery = status(
        {
            "Reporting-MTA": "dns; mail.example.org",
            "X-Postfix-Queue-ID": "4F1A2B3C4D",
            "X-Postfix-Sender": "rfc822; office@example.org",
            "Arrival-Date": "Thu,  5 Nov 2026 10:14:20 +0000 (GMT)",
        },
        {
            "Final-Recipient": f"rfc822; {TO}",
            "Original-Recipient": f"rfc822;{TO}",
            "Action": "failed",
            "Status": "5.1.1",
            "Remote-MTA": "dns; mx.example.org",
            "Diagnostic-Code": "smtp; 550 5.1.1 <kiran@example.org>: Recipient address "
            "rejected: User unknown in virtual mailbox table",
        },
    )
    delivery["Content-Description"] = "Delivery report"
    returned = MIMEMessage(letter())
    returned["Content-Description"] = "Undelivered Message"
    return report(
        {
            "Return-Path": "<>",
            "Received": "by mail.example.org (Postfix) id 4F1A2B3C4D; Thu,  5 Nov 2026 "
            "10:14:22 +0000 (GMT)",
            "Date": "Thu,  5 Nov 2026 10:14:22 +0000 (GMT)",
            "From": "MAILER-DAEMON@mail.example.org (Mail Delivery System)",
            "Subject": "Undelivered Mail Returned to Sender",
            "To": "office@example.org",
            "Auto-Submitted": "auto-replied",
            "Message-Id": "<20261105101422.4F1A2B3C4D@mail.example.org>",
        },
        notification,
        delivery,
        returned,
        preamble="This is a MIME-encapsulated message.",
    )


def outlook_automatic_reply() -> Message:
    """Outlook's out-of-office reply, as Exchange sends it (RFC 3834 and Microsoft's headers)."""
    message = MIMEMultipart("alternative")
    text = (
        "Thank you for your email. I am away until Monday 16 November with no access to email. "
        "For anything urgent please call the office on 01632 960123.\n"
    )
    message.attach(MIMEText(text, "plain", "us-ascii"))
    message.attach(MIMEText(f"<html><body><p>{text}</p></body></html>", "html", "us-ascii"))
    as_servers_write(message, {
        "From": f"Kiran Shah <{TO}>",
        "To": SETTING,
        "Subject": f"Automatic reply: {SUBJECT}",
        "Thread-Topic": SUBJECT,
        "Thread-Index": "AQHZxAbCdEfGhIjKlMnOpQrStUvWxAAB",
        "Date": "Wed, 4 Nov 2026 08:02:11 +0000",
        "Message-ID": "<DB9PR01MB5678A1B2C3D4E5F6@DB9PR01MB5678.eurprd01.prod.exchangelabs.com>",
        "References": LETTER_ID,
        "In-Reply-To": LETTER_ID,
        "Content-Language": "en-GB",
        "X-MS-Has-Attach": "",
        "X-MS-TNEF-Correlator": "",
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
        "X-MS-Exchange-Inbox-Rules-Loop": TO,
    })  # fmt: skip
    return message


def vacation_responder() -> Message:
    """A vacation responder's reply (cPanel/Exim style): "Re:" and the reference, bulk mail."""
    message = EmailMessage()
    message["From"] = "Joan Smith <joan@example.org>"
    message["To"] = "office@example.org"
    message["Subject"] = "Re: Request for consent to disclose information [SAR-2026-001/TP1]"
    message["Date"] = "Wed, 04 Nov 2026 09:30:00 +0000"
    message["Message-ID"] = "<E1vacation-0004Xy-7Q@mail.example.org>"
    message["Precedence"] = "auto_reply"
    message["X-Autorespond"] = "Re: Request for consent to disclose information"
    message.set_content(
        "I am on annual leave and will return on 16 November. Your email has not been forwarded.\n"
    )
    return message


BUILT = {
    "exchange-online-undeliverable.eml": exchange_online,
    "gmail-delivery-status-failure.eml": gmail,
    "gmail-delivery-status-delay.eml": lambda: gmail("delayed"),
    "postfix-undelivered-mail.eml": postfix,
    "outlook-automatic-reply.eml": outlook_automatic_reply,
    "vacation-responder.eml": vacation_responder,
}


def main() -> None:
    """Write every message into tests/data/mail/ as the server sent it, with CRLF lines."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, build in BUILT.items():
        path = OUT_DIR / name
        path.write_bytes(build().as_bytes(policy=policy.SMTP))
        print(f"wrote {path.relative_to(OUT_DIR.parent.parent.parent)}")


if __name__ == "__main__":
    main()
