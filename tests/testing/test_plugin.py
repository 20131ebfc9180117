"""The pytest plugin, used from a project of its own as a user's test suite would."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttnc_pipeline.testing.plugin import cassette_name

pytest_plugins = ["pytester"]

SANDBOX_TESTS = """
from ttnc_pipeline import TTNCApi

seen = []


def test_the_api_talks_to_the_sandbox(ttnc_sandbox, ttnc_api):
    seen.append(ttnc_sandbox)
    ttnc_sandbox.faults.status(503, {"Retry-After": "0"})
    numbers = ttnc_api.newrequest("NoveroNumbers", "ListNumbers")
    reply = ttnc_api.makerequests()
    assert reply.attempts == 2  # the busy answer was retried
    assert len(numbers.getresponse().all("Numbers/Number")) == 3
    assert ttnc_sandbox.journal.logins == 1
    assert ttnc_api.client.url == ttnc_sandbox.url


def test_the_sandbox_was_stopped_after_the_test(ttnc_sandbox):
    assert not seen[0].running
    assert ttnc_sandbox.running and ttnc_sandbox is not seen[0]
"""

CASSETTE_TESTS = """
from ttnc_pipeline import TTNCApi
from ttnc_pipeline.transports import Urllib3Transport


def test_numbers(request, ttnc_cassette):
    if ttnc_cassette.mode.value == "none":
        # Offline: no sandbox, no credentials.
        api = TTNCApi("anyone", "any", "any", transport=ttnc_cassette(allow_unused=False))
    else:
        sandbox = request.getfixturevalue("ttnc_sandbox")
        creds = sandbox.credentials
        inner = Urllib3Transport(sandbox.url)
        api = TTNCApi(creds.username, creds.password, creds.vkey, transport=ttnc_cassette(inner))
    numbers = api.newrequest("NoveroNumbers", "ListNumbers")
    api.makerequests()
    assert [n["RawNumber"] for n in numbers.getresponse().all("Numbers/Number")] == [
        "02080000000", "02080000001", "02080000002"
    ]
"""


def test_sandbox_and_api_fixtures_work_in_a_users_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=SANDBOX_TESTS)
    # A fresh process: the plugin arrives through the pytest11 entry point alone.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_cassette_is_recorded_on_request_then_replayed_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TTNC_RECORD", raising=False)
    pytester.makepyfile(**{"tests/test_numbers": CASSETTE_TESTS})
    cassette = pytester.path / "tests" / "cassettes" / "test_numbers" / "test_numbers.json"

    pytester.runpytest("--ttnc-record=once").assert_outcomes(passed=1)
    assert cassette.exists()
    text = cassette.read_text(encoding="utf-8")
    assert "NoveroNumbers/ListNumbers" in text and "<Password>***</Password>" in text

    pytester.runpytest().assert_outcomes(passed=1)  # replay only: no sandbox started

    monkeypatch.setenv("TTNC_RECORD", "all")  # the variable opts in when the option is absent
    pytester.runpytest().assert_outcomes(passed=1)
    rerecorded = cassette.read_text(encoding="utf-8")
    assert rerecorded != text and "NoveroNumbers/ListNumbers" in rerecorded  # fresh ids

    cassette.unlink()
    monkeypatch.delenv("TTNC_RECORD")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CassetteError*does not exist*TTNC_RECORD=once*"])


def test_a_misspelt_record_mode_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_nothing="def test_nothing(): pass")
    result = pytester.runpytest("--ttnc-record=onse")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*unknown record mode 'onse' (from --ttnc-record)*none, once, new_episodes, all*"]
    )
    monkeypatch.setenv("TTNC_RECORD", "sometimes")
    pytester.makepyfile(test_cassette="def test_it(ttnc_cassette): pass")
    result = pytester.runpytest("test_cassette.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown record mode 'sometimes' (from the TTNC_RECORD*"])


def test_the_option_is_documented_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--ttnc-record=MODE*", "*ttnc_cassette_dir*"])


def test_cassettes_are_named_after_the_test_and_the_folder_is_configurable(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nttnc_cassette_dir = recordings\n")
    pytester.makepyfile(
        **{
            "suite/test_names": """
            import pytest

            class TestBasket:
                @pytest.mark.parametrize("n", ["1 2"])
                def test_add(self, ttnc_cassette, n):
                    folder, recordings, module, name = ttnc_cassette.path.parts[-4:]
                    assert (folder, recordings, module) == ("suite", "recordings", "test_names")
                    assert name == "TestBasket.test_add_1_2.json"
                    assert ttnc_cassette.mode.value == "none"
            """
        }
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_conformance_helper_is_available_to_middleware_authors(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_mine="""
        import logging
        from ttnc_pipeline.testing import check_middleware

        def polite(batch, call_next):
            return call_next(batch)

        def chatty(batch, call_next):
            logging.getLogger("mine").warning("sending %r", batch.requests[0].params)
            return call_next(batch)

        def test_polite():
            check_middleware(polite)

        def test_chatty():
            check_middleware(chatty)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*middleware chatty does not conform*", "*secrets leaked*"])


@pytest.mark.parametrize(
    ("node_id", "name"),
    [
        ("tests/test_a.py::test_b", "test_b.json"),
        ("tests/test_a.py::TestX::test_y[1-a b]", "TestX.test_y_1-a_b.json"),
        ("tests/test_a.py::test_z[../../etc]", "test_z_.._.._etc.json"),
    ],
)
def test_cassette_names_are_safe_file_names(node_id: str, name: str) -> None:
    assert cassette_name(node_id) == name
    assert "/" not in cassette_name(node_id)
    assert Path(cassette_name(node_id)).name == cassette_name(node_id)
