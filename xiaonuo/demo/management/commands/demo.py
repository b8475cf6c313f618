"""``xiaonuo demo [--seed N] [--scale default|reference] [--if-empty]``: the demo workspace."""

import argparse
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaonuo.demo import services as demo_services


class Command(BaseCommand):
    help = (
        "Create the demo workspace: a tea-drink chain with members, staff, six months of events and "
        "its service desk (conversations, tickets, complaints)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data (default 1)")
        parser.add_argument(
            "--scale",
            choices=sorted(demo_services.SCALES),
            default="default",
            help="default: 20k customers, 500k events, 3k tickets, 45k messages; reference: 1M, 10M, "
            "200k and 3M (benchmarks)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if the demo workspace exists"
        )
        # Small worlds for tests.
        parser.add_argument("--customers", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--events", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--tickets", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--messages", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--agents", type=int, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        customers, events = demo_services.SCALES[options["scale"]]
        tickets, messages, agents = demo_services.DESK_SCALES[options["scale"]]
        given = {k: options[k] for k in ("tickets", "messages", "agents") if options[k] is not None}
        started = time.perf_counter()
        try:
            result = demo_services.create_demo(
                seed=options["seed"],
                customers=options["customers"] or customers,
                events=options["events"] if options["events"] is not None else events,
                tickets=given.get("tickets", tickets),
                messages=given.get("messages", messages),
                agents=given.get("agents", agents),
                if_empty=options["if_empty"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not result.created:
            self.stdout.write(f"The demo workspace {result.workspace.slug!r} is already there.")
        else:
            desk = result.desk
            self.stdout.write(
                f"Demo workspace {result.workspace.slug!r} ({result.workspace.name}): {result.customers:,} "
                f"customers, {result.events:,} events, {desk.tickets if desk else 0:,} tickets, "
                f"{desk.messages if desk else 0:,} messages, {desk.complaints if desk else 0:,} "
                f"complaints in {time.perf_counter() - started:.0f} s"
            )
        self.stdout.write(f"  Console:  {settings.SITE_URL}")
        self.stdout.write(
            f"  Sign in:  demo / {demo_services.PASSWORD}  (also kefu, yunying, guancha, "
            "kefu-01 … and kefu-zhuguan)"
        )
        if result.api_key:
            self.stdout.write(f"  API key:  {result.api_key}  (shown once)")
