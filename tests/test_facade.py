"""TTNCApi: every call of TTNC's client README, over real HTTP to the sandbox.

Each test asserts what the user sees and what the sandbox received on the
wire (the journal keeps every envelope's bytes).
"""

from __future__ import annotations

import re
import socket
import threading
import xml.etree.ElementTree as ET

import pytest

from ttnc_pipeline import APIError, AuthenticationError, InvalidRequest, RequestNotSent, TTNCApi
from ttnc_pipeline.sandbox import Sandbox


def wire(sandbox: Sandbox, index: int = -1) -> ET.Element:
    """The envelope the sandbox received, parsed."""
    return ET.fromstring(sandbox.journal.envelopes[index].body)


def api_for(sandbox: Sandbox) -> TTNCApi:
    creds = sandbox.credentials
    return TTNCApi(creds.username, creds.password, creds.vkey, url=sandbox.url)


def test_basic_usage_lists_numbers_after_an_automatic_login(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        request = api.newrequest("NoveroNumbers", "ListNumbers", "Request1")
        api.makerequest()
        response = request.getresponse()
    assert response is not None and response.ok
    owned = list(sandbox.state.account(sandbox.credentials.username).numbers)
    assert [n["RawNumber"] for n in response.all("Numbers/Number")] == owned
    sent = wire(sandbox)
    assert [r.get("id") for r in sent.iter("Request")] == ["SessionRequest", "Request1"]
    login = sent.find("Request")
    assert login is not None and login.get("target") == "Auth"
    assert login.findtext("Username") == sandbox.credentials.username
    assert login.findtext("VKey") == sandbox.credentials.vkey
    assert sent.find("SessionId") is None


def test_setdata_sends_parameters_in_order(sandbox: Sandbox) -> None:
    number = next(iter(sandbox.state.account(sandbox.credentials.username).numbers))
    with api_for(sandbox) as api:
        request = api.newrequest("NoveroNumbers", "SetDestination", "Request1")
        request.setdata("Number", number)
        request.setdata("Destination", "07512312312")
        api.makerequest()
        assert request.getresponse() is not None and request.getresponse().ok  # type: ignore[union-attr]
        check = api.newrequest("NoveroNumbers", "GetNumberConfig")
        check.setdata("Number", number)
        api.makerequests()
        config = check.getresponse()
    assert config is not None
    assert config.first("Rules/Rule/Destination") == "07512312312"
    sent = wire(sandbox, -2).findall("Request")[1]
    assert [(c.tag, c.text) for c in sent] == [("Number", number), ("Destination", "07512312312")]


def test_getresponsefromid_finds_requests_and_the_session_login(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        api.newrequest("NoveroNumbers", "ListNumbers", "Request1")
        api.makerequests()
        listed = api.getresponsefromid("Request1")
        login = api.getresponsefromid("SessionRequest")
        assert api.getresponsefromid("NoSuchId") is None
    assert listed is not None and listed.ok
    assert login is not None and re.fullmatch(r"[0-9a-f]{32}", login["SessionId"])


def test_advanced_usage_keeps_the_basket_across_apis_with_usesession(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        search = api.newrequest("NoveroNumberSearch", "Search", "Find")
        search.setdata("Range", "01245")
        search.setdata("Limit", 1)
        api.makerequests()
        number = search.getresponse()["Numbers"]["Number"][0]["RawNumber"]  # type: ignore[index]
        request = api.newrequest("Order", "AddToBasket", "Request1Id")
        request.setdata("number", number)
        request.setdata("type", "number")
        api.makerequest()
        session_id = api.getresponsefromid("SessionRequest")["SessionId"]  # type: ignore[index]
    assert request.getresponse().ok  # type: ignore[union-attr]

    later = TTNCApi(url=sandbox.url)
    later.usesession(session_id)
    basket = later.newrequest("Order", "ViewBasket", "Request1Id")
    later.makerequest()
    later.close()
    response = basket.getresponse()
    assert response is not None and response.ok
    assert number in str(response.to_dict())
    sent = wire(sandbox)
    assert sent.findtext("SessionId") == session_id
    assert next(iter(sent)).tag == "SessionId"
    assert [r.get("name") for r in sent.iter("Request")] == ["ViewBasket"]


def test_a_second_makerequests_sends_only_new_requests_under_the_same_session(
    sandbox: Sandbox,
) -> None:
    with api_for(sandbox) as api:
        api.newrequest("NoveroNumbers", "ListNumbers", "First")
        api.makerequests()
        assert api.pending == ()
        api.newrequest("NoveroCDR", "GetTotals", "Second")
        reply = api.makerequests()
    assert [r.request_id for r in reply] == ["Second"]
    assert sandbox.journal.logins == 1
    sent = wire(sandbox)
    assert sent.find("SessionId") is not None
    assert [r.get("id") for r in sent.iter("Request")] == ["Second"]


def test_snake_case_aliases_work_like_the_originals(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        request = api.new_request("NoveroNumbers", "ListNumbers", "Request1")
        api.make_requests()
        assert request.get_response() is api.get_response_from_id("Request1")
        assert api.session_id is not None
        other = TTNCApi(url=sandbox.url)
        other.use_session(api.session_id)
        totals = other.new_request("NoveroCDR", "GetTotals").set_data("Period", "week")
        other.make_request()
        assert totals.get_response().ok  # type: ignore[union-attr]


def test_generated_ids_let_getresponse_work_without_an_id(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        first = api.newrequest("NoveroNumbers", "ListNumbers")
        second = api.newrequest("NoveroCDR", "GetTotals")
        api.makerequests()
    assert first.id != second.id
    assert first.getresponse().name == "ListNumbers"  # type: ignore[union-attr]
    assert second.getresponse().name == "GetTotals"  # type: ignore[union-attr]


def test_per_request_errors_do_not_raise_until_asked(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        bad = api.newrequest("NoveroNumbers", "SetDestination", "Bad")
        bad.setdata("Number", "01000000000")
        bad.setdata("Destination", "07512312312")
        good = api.newrequest("NoveroNumbers", "ListNumbers", "Good")
        reply = api.makerequests()
    assert good.getresponse().ok  # type: ignore[union-attr]
    response = bad.getresponse()
    assert response is not None and response.code == 400 and response.message
    with pytest.raises(APIError) as caught:
        reply.raise_for_errors()
    assert caught.value.code == 400
    assert caught.value.request_id == "Bad"
    assert caught.value.name == "SetDestination"


def test_bad_credentials_raise_authentication_error_without_the_password(
    sandbox: Sandbox,
) -> None:
    api = TTNCApi(sandbox.credentials.username, "Wrong-Pa55word!", "nokey", url=sandbox.url)
    api.newrequest("NoveroNumbers", "ListNumbers")
    with pytest.raises(AuthenticationError) as caught:
        api.makerequests()
    api.close()
    assert caught.value.code == 401
    assert caught.value.message
    assert "Wrong-Pa55word!" not in str(caught.value)
    assert "Wrong-Pa55word!" not in repr(caught.value)


def test_bad_input_fails_before_anything_is_sent(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        request = api.newrequest("NoveroNumbers", "SetDestination")
        with pytest.raises(InvalidRequest, match="'Number'"):
            request.setdata("Number", True)
        with pytest.raises(InvalidRequest, match="not a valid XML name"):
            request.setdata("x><Evil/><y", "1")
        with pytest.raises(InvalidRequest, match="U\\+0000"):
            request.setdata("Destination", "07\x00")
        with pytest.raises(InvalidRequest):
            api.newrequest("NoveroNumbers", "List Numbers")
        with pytest.raises(InvalidRequest, match="already spooled"):
            api.newrequest("NoveroNumbers", "ListNumbers", request.id)
    assert sandbox.journal.envelope_count == 0


def test_makerequests_with_nothing_spooled_is_an_error(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api, pytest.raises(InvalidRequest, match="nothing to send"):
        api.makerequests()


def test_an_api_sharing_a_client_in_another_thread_shares_its_session(
    sandbox: Sandbox,
) -> None:
    main = api_for(sandbox)
    main.newrequest("NoveroNumbers", "ListNumbers")
    main.makerequests()
    results: list[bool] = []

    def worker() -> None:
        other = TTNCApi(client=main.client)
        request = other.newrequest("NoveroCDR", "GetTotals")
        other.makerequests()
        results.append(bool(request.getresponse() and request.getresponse().ok))  # type: ignore[union-attr]

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    main.close()
    assert results == [True] * 4
    assert sandbox.journal.logins == 1


def test_url_defaults_to_the_environment(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTNC_API_URL", sandbox.url)
    creds = sandbox.credentials
    with TTNCApi(creds.username, creds.password, creds.vkey) as api:
        assert api.client.url == sandbox.url
        api.newrequest("NoveroNumbers", "ListNumbers")
        assert api.makerequests().ok
    monkeypatch.delenv("TTNC_API_URL")
    with TTNCApi() as api:
        assert api.client.url == "https://xml.ttnc.co.uk/api/"


def test_an_api_given_a_client_refuses_settings_it_would_ignore(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        with pytest.raises(TypeError, match="password, url, username"):
            TTNCApi("someone", "secret", url=sandbox.url, client=api.client)
        assert TTNCApi(client=api.client).client is api.client


def test_a_dead_given_session_is_replaced_once_and_not_tried_again(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        api.newrequest("NoveroNumbers", "ListNumbers")
        api.makerequests()  # the client now holds a live session
        live = api.client.session_id
        api.usesession("0" * 32)  # a session TTNC no longer knows
        first = api.newrequest("NoveroCDR", "GetTotals")
        api.makerequests()
        assert first.getresponse().ok  # type: ignore[union-attr]
        assert api.session_id == live
        second = api.newrequest("NoveroCDR", "GetTotals")
        api.makerequests()
        assert second.getresponse().ok  # type: ignore[union-attr]
    assert sandbox.journal.count("GetTotals", ok=False) == 1  # only the first call was refused
    assert sandbox.journal.logins == 1


def test_an_account_number_given_as_an_int_logs_in(sandbox: Sandbox) -> None:
    sandbox.add_account("98765", "Password1!", "adf65ab")
    with TTNCApi(98765, "Password1!", "adf65ab", url=sandbox.url) as api:  # type: ignore[arg-type]
        api.newrequest("NoveroNumbers", "ListNumbers")
        assert api.makerequests().ok
    with pytest.raises(InvalidRequest, match="must be a string, not bytes"):
        TTNCApi("98765", b"Password1!", url=sandbox.url)  # type: ignore[arg-type]


def test_a_login_refusal_echoing_the_password_does_not_leak_it(sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    echo = (
        b'<?xml version="1.0"?><NoveroResponse><Response target="Auth" name="SessionLogin" '
        b'Code="401" RequestId="SessionRequest"><ResponseMessage>password '
        + creds.password.encode()
        + b" is wrong</ResponseMessage></Response></NoveroResponse>"
    )
    sandbox.faults.raw(echo)
    with api_for(sandbox) as api:
        api.newrequest("NoveroNumbers", "ListNumbers", "L")
        with pytest.raises(AuthenticationError) as caught:
            api.makerequests()
    assert creds.password not in str(caught.value)
    assert "password *** is wrong" in str(caught.value)


def test_requests_stay_spooled_when_nothing_was_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = TTNCApi("user", "secret", url=f"http://127.0.0.1:{port}/api/", retry=False)
    request = api.newrequest("NoveroNumbers", "ListNumbers", "Kept")
    with pytest.raises(RequestNotSent):
        api.makerequests()
    assert api.pending == (request,)
    with pytest.raises(InvalidRequest, match="reserved"):
        api.newrequest("Order", "ViewBasket", "SessionRequest")


def test_only_the_last_calls_responses_are_kept(sandbox: Sandbox) -> None:
    with api_for(sandbox) as api:
        api.newrequest("NoveroNumbers", "ListNumbers", "First")
        api.makerequests()
        api.newrequest("NoveroCDR", "GetTotals", "Second")
        api.makerequests()
        assert api.getresponsefromid("First") is None
        assert api.getresponsefromid("Second") is not None
        assert api.getresponsefromid("SessionRequest") is not None  # the login stays readable


def test_spooled_request_ids_do_not_fill_the_memory_of_checked_names() -> None:
    from ttnc_pipeline import core

    api = TTNCApi(url="http://127.0.0.1:9/api/")
    ids = [api.newrequest("NoveroNumbers", "ListNumbers").id for _ in range(3)]
    ids.append(api.newrequest("NoveroNumbers", "ListNumbers", "MyOwnId").id)
    assert not set(ids) & core._CHECKED_NAMES
    assert "NoveroNumbers" in core._CHECKED_NAMES  # names that come back are remembered
