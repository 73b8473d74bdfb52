from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.security import TwoFactorError, totp_device_confirm, totp_device_enrol


class Command(BaseCommand):
    help = (
        "Enrol a TOTP authenticator for a manager, auditor or admin user: run once to get the "
        "QR code and secret, then again with --confirm CODE to switch it on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--confirm", metavar="CODE", help="A code from the new device.")
        parser.add_argument("--name", default="authenticator", help="A name for the device.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user '{options['username']}'.")
        try:
            if options["confirm"]:
                device = totp_device_confirm(user=user, code=options["confirm"])
                self.stdout.write(
                    self.style.SUCCESS(
                        f"'{device.name}' is confirmed: {user.username} now signs in with a code."
                    )
                )
                return
            device = totp_device_enrol(user=user, name=options["name"])
        except TwoFactorError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Scan this with the authenticator app of {user.username}:\n")
        qr = io.StringIO()
        segno.make(device.config_url).terminal(out=qr, compact=True)
        self.stdout.write(qr.getvalue())
        self.stdout.write(f"\nOr enter this URL by hand:\n{device.config_url}\n")
        self.stdout.write(
            f"Then run: manage.py totp_enrol {user.username} --confirm <the code it shows>"
        )
