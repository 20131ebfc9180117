"""``TTNCApi``: a drop-in for TTNC's own Python client, over the pipeline.

Every call in TTNC's client README works as written there::

    api = TTNCApi('<username>', '<password>', '<vkey>')
    request = api.newrequest('NoveroNumbers', 'SetDestination', 'Request1')
    request.setdata('Number', '02031511000')
    request.setdata('Destination', '07512312312')
    api.makerequest()
    request.getresponse()

Requests are spooled until :meth:`TTNCApi.makerequests` sends them as one
batch; the spool then empties, and the next call sends only new requests,
under the same session. Snake-case aliases exist for every method.
Differences from TTNC's client: responses keep every repeated element and
attribute, errors are typed, and the session is reused across calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ttnc_pipeline.client import Client
from ttnc_pipeline.conventions import SESSION_REQUEST_ID
from ttnc_pipeline.core import (
    Batch,
    Middleware,
    ParamValue,
    Reply,
    Request,
    Response,
    Transport,
    check_name,
    check_text,
    normalise_value,
)
from ttnc_pipeline.errors import InvalidRequest, RequestNotSent
from ttnc_pipeline.middleware.correlation import new_request_id
from ttnc_pipeline.redaction import MASK, is_sensitive
from ttnc_pipeline.sessions import SessionStore

__all__ = ["SpooledRequest", "TTNCApi"]


class SpooledRequest:
    """A request waiting in a :class:`TTNCApi` spool; fill it with :meth:`setdata`.

    ``request_id`` defaults to None (:meth:`TTNCApi.newrequest` always gives one).
    """

    def __init__(self, target: str, name: str, request_id: str | None = None) -> None:
        self.target = check_name(target, "target")
        self.name = check_name(name, "operation name")
        self.id = (
            check_name(request_id, "request id", remember=False) if request_id is not None else None
        )
        self.params: dict[str, ParamValue] = {}
        self._response: Response | None = None

    def setdata(self, key: str, value: ParamValue) -> SpooledRequest:
        """Set one parameter (validated now, so bad input fails before sending)."""
        check_name(key, "parameter name")
        self.params[key] = normalise_value(value, f"parameter {key!r}")
        return self

    set_data = setdata

    def getresponse(self) -> Response | None:
        """This request's response, once :meth:`TTNCApi.makerequests` has run (else None)."""
        return self._response

    get_response = getresponse

    def to_request(self) -> Request:
        """The immutable :class:`~ttnc_pipeline.core.Request` this spools."""
        return Request(self.target, self.name, self.id, self.params)

    def __repr__(self) -> str:
        shown = {k: MASK if is_sensitive(k) else v for k, v in self.params.items()}
        return f"SpooledRequest({self.target!r}, {self.name!r}, id={self.id!r}, params={shown!r})"


class TTNCApi:
    """TTNC's client API (``newrequest``, ``setdata``, ``makerequests``, ...) on a :class:`Client`.

    ``TTNCApi(username, password, vkey)`` logs in automatically;
    ``TTNCApi()`` sends under a session given with :meth:`usesession`.
    ``url`` defaults to ``TTNC_API_URL``, else TTNC's endpoint;
    ``transport`` (default a urllib3 transport), ``middleware`` (default
    none), ``session_store`` (default in memory) and any other keyword
    arguments go to :class:`Client`. Pass ``client=other.client`` (default
    None: a new client) to share a session and connection pool (between
    threads too); the other arguments are then ignored.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        vkey: str | None = None,
        *,
        url: str | None = None,
        transport: Transport | None = None,
        middleware: Iterable[Middleware | tuple[str, Middleware]] = (),
        client: Client | None = None,
        session_store: SessionStore | None = None,
        **client_options: Any,
    ) -> None:
        if client is not None:
            given = {
                "username": username,
                "password": password,
                "vkey": vkey,
                "url": url,
                "transport": transport,
                "session_store": session_store,
                "middleware": tuple(middleware) or None,
                **client_options,
            }
            ignored = sorted(name for name, value in given.items() if value is not None)
            if ignored:
                raise TypeError(
                    f"TTNCApi(client=...) uses that client as it is; it cannot also take "
                    f"{', '.join(ignored)} (configure the Client instead)"
                )
            self.client = client
        else:
            self.client = Client(
                url,
                username,
                password,
                vkey,
                transport=transport,
                middleware=middleware,
                session_store=session_store,
                **client_options,
            )
        self._spool: list[SpooledRequest] = []
        self._spooled_ids: set[str | None] = set()
        self._responses: dict[str, Response] = {}
        self._session_id: str | None = None
        self.last_reply: Reply | None = None

    def newrequest(self, target: str, name: str, request_id: str | None = None) -> SpooledRequest:
        """Spool a new request; its id is generated when not given."""
        if request_id == SESSION_REQUEST_ID and self.client.credentials is not None:
            raise InvalidRequest(
                f"request id {SESSION_REQUEST_ID!r} is reserved for the login this client adds"
            )
        request = SpooledRequest(target, name, request_id or new_request_id())
        if request.id in self._spooled_ids:
            raise InvalidRequest(f"request id {request.id!r} is already spooled")
        self._spool.append(request)
        self._spooled_ids.add(request.id)
        return request

    new_request = newrequest

    def usesession(self, session_id: str) -> None:
        """Send the following requests under this ``SessionId`` (from an earlier login)."""
        if not isinstance(session_id, str) or not session_id.strip():
            raise InvalidRequest("usesession() needs the SessionId string from a login")
        # Checked now: refused later, in makerequests(), it would cost the spool.
        self._session_id = check_text(session_id.strip(), "session id")

    use_session = usesession

    @property
    def session_id(self) -> str | None:
        """The session the next call will use (given, or from the last login)."""
        return self._session_id or self.client.session_id

    @property
    def pending(self) -> tuple[SpooledRequest, ...]:
        """Requests spooled and not yet sent."""
        return tuple(self._spool)

    def makerequests(self) -> Reply:
        """Send every spooled request as one batch; return the reply.

        Per-request API errors do not raise (check ``.ok``, or call
        ``reply.raise_for_errors()``). The spool empties once the batch is
        sent; when nothing was carried out (InvalidRequest, RequestNotSent)
        the requests stay spooled, so calling again resends them.
        """
        if not self._spool:
            raise InvalidRequest("nothing to send: spool a request with newrequest() first")
        spooled, self._spool = self._spool, []
        spooled_ids, self._spooled_ids = self._spooled_ids, set()
        try:
            batch = Batch(tuple(item.to_request() for item in spooled), self._session_id)
            reply = self.client.send(batch)
        except (InvalidRequest, RequestNotSent):
            # nothing was carried out: keep them, so calling again resends them
            self._spool = spooled + self._spool
            self._spooled_ids |= spooled_ids
            raise
        self.last_reply = reply
        # Responses of this call, plus the latest login: the seed API reads
        # 'SessionRequest' after later calls too. Older answers are let go,
        # so a long-running process does not keep every response it saw.
        login = self._responses.get(SESSION_REQUEST_ID)
        self._responses = {} if login is None else {SESSION_REQUEST_ID: login}
        for response in reply.responses:
            if response.request_id is not None:
                self._responses[response.request_id] = response
        for item in spooled:
            item._response = self._responses.get(item.id) if item.id is not None else None
        if self._session_id is not None:
            # A given session that died was renewed by the client: follow it,
            # so the next call does not start with a refused request again.
            login = reply.by_id(SESSION_REQUEST_ID)
            renewed = login.get("SessionId") if login is not None and login.ok else None
            renewed = renewed or reply.session_id
            if isinstance(renewed, str) and renewed:
                self._session_id = renewed
        return reply

    makerequest = makerequests
    make_requests = makerequests
    make_request = makerequests

    def getresponsefromid(self, request_id: str) -> Response | None:
        """The response to ``request_id`` in the last call (``'SessionRequest'``: last login)."""
        return self._responses.get(request_id)

    get_response_from_id = getresponsefromid

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def __enter__(self) -> TTNCApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TTNCApi({self.client.url!r}, pending={len(self._spool)})"
