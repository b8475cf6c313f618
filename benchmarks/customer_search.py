"""Customer search and profile latency at the reference scale (1M customers), real server.

    python benchmarks/customer_search.py [--backend sqlite] [--data-dir DIR] [--events 10000000]

Builds the reference data with `xiaonuo demo --scale reference` (or reuses ``--data-dir`` if it
already holds it), starts gunicorn with 2 workers, signs in through the login form like a
person, and times, one request at a time:
- the console list `/customers/?q=…` with realistic queries: a surname (王), a name prefix (王小),
  a full phone, a phone prefix (7 digits) and a pasted openid;
- the console profile `/customers/<id>/`;
- the API `GET /api/v1/customers/<id>` and `GET /api/v1/customers?phone=…`.
Target: p95 < 100 ms for each.
"""

import argparse
import contextlib
import http.client
import os
import random
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, django_setup, environment, served, write_section, xiaonuo  # noqa: E402

SAMPLES = 100  # requests per kind


class Session:
    """A keep-alive HTTP connection with cookies, like a browser tab."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        self.conn.request(method, path, body, headers)
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, payload, elapsed

    def sign_in(self, username: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            }
        )
        status, _, _ = self.request(
            "POST",
            "/accounts/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": "http://127.0.0.1/accounts/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in failed: HTTP {status}")


def samples(rng: random.Random) -> dict[str, list[str]]:
    """Request paths per kind, drawn from the stored data (this process reads the same DB)."""
    from xiaonuo.accounts.models import Workspace
    from xiaonuo.customers.models import Customer, Identity
    from xiaonuo.demo import services as demo_services

    ws = Workspace.objects.get(slug=demo_services.SLUG)
    top = Customer.objects.filter(workspace=ws).order_by("-id").values_list("id", flat=True).first()
    ids = [rng.randrange(1, top + 1) for _ in range(SAMPLES * 3)]
    ids = list(Customer.objects.filter(workspace=ws, pk__in=ids).values_list("id", flat=True))[
        :SAMPLES
    ]
    names = list(Customer.objects.filter(workspace=ws, pk__in=ids).values_list("name", flat=True))
    phones = list(
        Identity.objects.filter(workspace=ws, customer_id__in=ids, kind="phone").values_list(
            "value", flat=True
        )
    )
    openids = list(
        Identity.objects.filter(workspace=ws, customer_id__in=ids, kind="openid").values_list(
            "value", flat=True
        )
    )
    q = lambda v: "/customers/?q=" + urllib.parse.quote(v)  # noqa: E731
    return {
        "console search: surname (王)": [q(n[:1]) for n in names],
        "console search: name prefix (王小)": [q(n[:2]) for n in names],
        "console search: full phone": [q(p) for p in phones],
        "console search: phone prefix (7 digits)": [q(p[:7]) for p in phones],
        "console search: openid": [q(o) for o in openids],
        "console profile /customers/<id>/": [f"/customers/{i}/" for i in ids],
        "API GET /api/v1/customers/<id>": [f"/api/v1/customers/{i}" for i in ids],
        "API GET /api/v1/customers?phone=…": [f"/api/v1/customers?phone={p}" for p in phones],
    }


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p * len(values)) - 1))]


@contextlib.contextmanager
def data(options: argparse.Namespace):
    if options.data_dir:
        env = {
            **os.environ,
            "XIAONUO_DATA_DIR": options.data_dir,
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "xiaonuo.settings",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DATABASE_URL", None)
        xiaonuo(env, "migrate", "--verbosity", "0")
        yield env
    else:
        with environment(options.backend) as env:
            yield env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--data-dir", help="reuse (or build once into) this SQLite data directory")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    options = parser.parse_args()
    with data(options) as env:
        started = time.perf_counter()
        print(
            xiaonuo(
                env,
                "demo",
                "--if-empty",
                "--customers",
                str(options.customers),
                "--events",
                str(options.events),
                capture=True,
            )
        )
        build = time.perf_counter() - started
        django_setup(env)
        from xiaonuo.accounts import services as accounts_services
        from xiaonuo.accounts.models import Workspace
        from xiaonuo.demo import services as demo_services

        workspace = Workspace.objects.get(slug=demo_services.SLUG)
        _, key = accounts_services.create_api_key(
            workspace=workspace, name="bench", actor=accounts_services.Actor()
        )
        kinds = samples(random.Random(11))
        with served(env) as port:
            browser = Session(port)
            browser.sign_in("demo", demo_services.PASSWORD)
            api = Session(port)
            rows = []
            for kind, paths in kinds.items():
                session = api if kind.startswith("API") else browser
                headers = {"Authorization": f"Bearer {key}"} if session is api else {}
                for path in paths[:5]:  # warm the worker processes and caches
                    session.request("GET", path, headers=headers)
                times, bad = [], 0
                for path in paths:
                    status, _, elapsed = session.request("GET", path, headers=headers)
                    bad += status != 200
                    times.append(elapsed * 1000)
                p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
                verdict = "met" if p95 < 100 else "missed"
                print(
                    f"  {kind}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(times):.0f} ms, non-200: {bad}"
                )
                rows.append(
                    f"| {kind} | {len(times)} | {p50:.1f} | {p95:.1f} | {max(times):.0f} | {bad} | {verdict} |"
                )
    if options.customers < 1_000_000:
        print("(a smaller world than the reference scale: docs/benchmarks.md not written)")
        return
    write_section(
        f"Customer search and profile at 1M customers ({options.backend})",
        f"Data: `xiaonuo demo` with {options.customers:,} customers and {options.events:,} events "
        f"(built in {build:.0f} s, or reused). gunicorn with 2 workers; one client, sequential requests "
        "over keep-alive; the console signed in through the login form as the owner.\n\n"
        "| Request | n | p50 ms | p95 ms | max ms | non-200 | p95 < 100 ms |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(rows),
    )


if __name__ == "__main__":
    main()
