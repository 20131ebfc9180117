"""Target 3, round trips over loopback: 500 sequential one-request ListNumbers calls.

The sandbox runs in another process (the stock ``python -m
ttnc_pipeline.sandbox``), once over HTTP and once over HTTPS with a
throwaway trustme CA. Against the same server, each contender makes the
same calls, one after another:

- ours: :class:`~ttnc_pipeline.TTNCApi` as TTNC's README uses it
  (``newrequest``, ``makerequests``, ``getresponse``), which reuses its
  session and its kept-alive connection;
- floor: one kept-alive ``http.client`` connection posting the same
  envelope, built once with the SessionId in it, and reading the answer
  (no parsing at all);
- classic: the classic client, with a new connection (a new TLS
  handshake over HTTPS) and a SessionLogin in every POST.

Over HTTP, two more contenders post the floor's bytes, to show where the
client's time goes (info rows, no target): our transport alone
(:class:`~ttnc_pipeline.transports.Urllib3Transport`, no pipeline), and
stock urllib3 (``PoolManager.urlopen``, what the transport used before it
wrote its requests itself).

Targets: ours at least 0.7x the floor's rate; at least 2x the classic
client's over HTTP and 4x over HTTPS.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import urllib3

from benchmarks._harness import Case, Row, Scale, Timings, format_rate, interleaved
from benchmarks._loopback import Served, sandbox_cli, sandbox_process, throwaway_tls
from benchmarks.baselines.classic_client import ClassicTTNCApi
from benchmarks.baselines.stdlib_floor import KeepAlivePoster
from ttnc_pipeline import TTNCApi
from ttnc_pipeline.core import HTTPRequest
from ttnc_pipeline.transports import Urllib3Transport

__all__ = ["run"]

_LOGIN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<NoveroRequest>'
    '<Request target="Auth" name="SessionLogin" id="SessionRequest">'
    "<Username>{0}</Username><Password>{1}</Password><VKey>{2}</VKey>"
    "</Request></NoveroRequest>"
)
_LIST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<NoveroRequest><SessionId>{0}</SessionId>'
    '<Request target="NoveroNumbers" name="ListNumbers" id="Request1"/></NoveroRequest>'
)


def _floor_body(poster: KeepAlivePoster, served: Served) -> bytes:
    """Log in once and build the ListNumbers envelope the floor will post every time."""
    login = _LOGIN.format(served.username, served.password, served.vkey).encode()
    session_id = ET.fromstring(poster.post(login)).findtext("Response/SessionId")
    assert session_id
    return _LIST.format(session_id).encode()


def _repeat(calls: int, once: Callable[[], object]) -> Callable[[], None]:
    def run_all() -> None:
        for _ in range(calls):
            once()

    return run_all


@contextmanager
def _contenders(
    served: Served, calls: int, **tls: object
) -> Iterator[dict[str, Callable[[], None]]]:
    """Every contender's calls against ``served``; their connections are closed on exit."""
    with ExitStack() as opened:
        yield _opened_contenders(opened, served, calls, **tls)


def _opened_contenders(
    opened: ExitStack, served: Served, calls: int, **tls: object
) -> dict[str, Callable[[], None]]:
    ca_file = tls.get("ca_file")
    context = tls.get("context")
    api = TTNCApi(
        served.username,
        served.password,
        served.vkey,
        url=served.url,
        transport_options={"ca_certs": ca_file} if ca_file else None,
    )
    opened.callback(api.close)
    classic = ClassicTTNCApi(
        served.username,
        served.password,
        served.vkey,
        url=served.url,
        ssl_context=context,  # type: ignore[arg-type]
    )
    poster = KeepAlivePoster(served.url, ssl_context=context)  # type: ignore[arg-type]
    opened.callback(poster.close)
    floor_body = _floor_body(poster, served)

    def ours_once() -> object:
        request = api.newrequest("NoveroNumbers", "ListNumbers")
        api.makerequests()
        return request.getresponse()

    def classic_once() -> object:
        request = classic.newrequest("NoveroNumbers", "ListNumbers")
        classic.makerequests()
        return request.getresponse()

    def floor_once() -> bytes:
        return poster.post(floor_body)

    ours_answer = ours_once()
    classic_answer = classic_once()
    assert ours_answer is not None and ours_answer.ok  # type: ignore[attr-defined]
    assert classic_answer is not None and "Numbers" in classic_answer  # type: ignore[operator]
    assert b'Code="200"' in floor_once()
    contenders = {
        "ours": _repeat(calls, ours_once),
        "floor": _repeat(calls, floor_once),
        "classic": _repeat(calls, classic_once),
    }
    if ca_file is None:  # the breakdown, over plain HTTP only
        transport = Urllib3Transport(served.url)
        opened.callback(transport.close)
        manager = urllib3.PoolManager(maxsize=10, block=True)
        opened.callback(manager.clear)
        headers = {"Content-Type": "text/xml; charset=utf-8"}

        def transport_once() -> bytes:
            return transport.send(HTTPRequest(floor_body, {}, 120.0)).body

        def urllib3_once() -> bytes:
            answer = manager.urlopen(
                "POST", served.url, body=floor_body, headers=headers, retries=False
            )
            return answer.data

        assert b'Code="200"' in transport_once() and b'Code="200"' in urllib3_once()
        contenders["transport"] = _repeat(calls, transport_once)
        contenders["urllib3"] = _repeat(calls, urllib3_once)
    return contenders


def run(scale: Scale) -> Case:
    """Time the three contenders over HTTP, then over HTTPS."""
    calls, repeats = scale.round_trips, scale.round_trip_repeats
    verdict = not scale.quick
    with sandbox_process(sandbox_cli()) as served, _contenders(served, calls) as contenders:
        plain = interleaved(contenders, repeats)
    with (
        throwaway_tls() as tls,
        sandbox_process(sandbox_cli(tls)) as served,
        _contenders(served, calls, ca_file=tls.ca_file, context=tls.client_context()) as contenders,
    ):
        secure = interleaved(contenders, repeats)

    def row(case: str, times: Timings, ours: str, base: str, threshold: float | None) -> Row:
        # Read like the targets, info rows too: baseline time over ours, the
        # share of the baseline's rate that ours reaches.
        return Row(
            case,
            times[ours],
            times[base],
            "s",
            "faster",
            threshold,
            format_rate(calls / times[ours]),
            format_rate(calls / times[base]),
            rounds=times.rounds(ours, base),
        ).judge(verdict)

    label = f"{calls:,} calls"
    rows = [
        row(f"round trips: {label} vs raw http.client (HTTP)", plain, "ours", "floor", 0.7),
        row(f"round trips: {label} vs classic (HTTP)", plain, "ours", "classic", 2),
        row(f"round trips: {label} vs classic (HTTPS)", secure, "ours", "classic", 4),
        row(f"  (info) {label} vs raw http.client (HTTPS)", secure, "ours", "floor", None),
        row(
            "  (info) transport alone vs raw http.client (HTTP)", plain, "transport", "floor", None
        ),
        row("  (info) stock urllib3 vs raw http.client (HTTP)", plain, "urllib3", "floor", None),
    ]
    return Case(
        "round_trips",
        rows,
        notes=[
            "rates are calls per second (ratio: ours over baseline); sandbox in a "
            "separate process (python -m ttnc_pipeline.sandbox), loopback, "
            f"{repeats} rounds of {calls} calls each"
        ],
    )
