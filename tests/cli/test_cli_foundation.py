"""The ``therabill`` command: exact output of units and codes, errors, help for every command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from therabill.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_units_json_has_exactly_the_documented_shape() -> None:
    code, out, err = run(
        "units", "--rule", "cms", "--date", "2026-11-20", "--json", "97112=24", "97110=23"
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {
        k: data[k]
        for k in ("rule", "date", "total_timed_minutes", "total_timed_units", "lines", "findings")
    } == {
        "rule": "cms",
        "date": "2026-11-20",
        "total_timed_minutes": 47,
        "total_timed_units": 3,
        "lines": [
            {"code": "97112", "minutes": 24, "units": 2},
            {"code": "97110", "minutes": 23, "units": 1},
        ],
        "findings": [],
    }
    assert data["explanation"][-1] == "1 unit left: to the largest leftovers: 97112 (9 min)."


def test_units_midpoint_json_reports_the_7_minutes() -> None:
    code, out, _ = run("units", "--rule", "midpoint", "--json", "97140=38", "97124=7")
    data = json.loads(out)
    assert code == 0
    assert [(ln["code"], ln["units"]) for ln in data["lines"]] == [("97140", 3), ("97124", 0)]
    assert data["findings"] == [
        {
            "id": "units.below-threshold",
            "severity": "info",
            "message": "7 minutes of 97124 alone bill nothing under the midpoint rule (the first unit needs 8).",
            "source": "CPT time rule: a unit is reached when its midpoint is passed (Premera, billing for time)",
            "code": "97124",
        }
    ]


def test_repeated_code_adds_its_minutes() -> None:
    _, out, _ = run("units", "--json", "97110=10", "97110=13")
    assert json.loads(out)["lines"] == [{"code": "97110", "minutes": 23, "units": 2}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["units", "97633=30"],
            "Error: 97633: '97633' is not a known procedure code. Did you mean 97533, 97033?\n",
        ),
        (
            ["units", "--date", "2026-11-20", "97001=30"],
            "Error: 97001: 97001 was deleted from 2017-01-01 and cannot be billed for 2026-11-20; "
            "it was replaced by 97161, 97162 or 97163. Use 97161 or 97162 or 97163 instead.\n",
        ),
        (
            ["units", "97110=-5"],
            "Error: 97110=-5: minutes '-5' must be a whole number from 0 to 1440. Example: 97140=38\n",
        ),
        (
            ["units", "97110=7.5"],
            "Error: 97110=7.5: minutes '7.5' must be a whole number from 0 to 1440. Example: 97140=38\n",
        ),
        (
            ["units", "97110=1441"],
            "Error: 97110=1441: minutes '1441' must be a whole number from 0 to 1440. Example: 97140=38\n",
        ),
        (["units", "97110"], "Error: argument: '97110' is not CODE=MINUTES. Example: 97140=38\n"),
        (
            ["units", "--date", "2026-02-30", "97110=8"],
            "Error: --date: '2026-02-30' is not a date YYYY-MM-DD\n",
        ),
        (
            ["codes", "show", "97633"],
            "Error: code: '97633' is not a known procedure code. Did you mean 97533, 97033?\n",
        ),
        (
            ["codes", "list", "--discipline", "dancer"],
            "Error: --discipline: unknown discipline 'dancer'. Use one of massage, music, ot, pt, slp, behavioral, at.\n",
        ),
    ],
    ids=[
        "typo",
        "deleted",
        "negative",
        "fraction",
        "over-a-day",
        "no-minutes",
        "bad-date",
        "show-typo",
        "bad-discipline",
    ],
)
def test_bad_input_exits_2_with_one_error_line_and_nothing_on_stdout(
    args: list[str], message: str
) -> None:
    code, out, err = run(*args)
    assert (code, out, err) == (2, "", message)


def test_codes_show_deleted_code_says_when_and_what_replaced_it() -> None:
    code, out, _ = run("codes", "show", "97001", "--date", "2026-11-20")
    assert code == 0
    assert out == (
        "97001 (CPT) PT evaluation (deleted; use 97161-97163)\n"
        "Timing: untimed: one unit per session\n"
        "Who may bill it: pt\n"
        "Techniques and synonyms: physical therapy evaluation\n"
        "Deleted: from 2017-01-01 (last valid date of service 2016-12-31); replaced by 97161, 97162, 97163\n"
        "On 2026-11-20: deleted, may not be billed\n"
        "Source: APTA tiered evaluation codes 2017 (grade P)\n"
    )


def test_codes_show_json() -> None:
    _, out, _ = run("codes", "show", "97140", "--json", "--date", "2026-11-20")
    data = json.loads(out)
    assert data["code"] == "97140" and data["timing"] == "per_15" and data["status"] == "active"
    assert "myofascial release" in data["terms"]


def test_codes_list_for_massage_excludes_licence_limited_codes() -> None:
    _, out, _ = run("codes", "list", "--discipline", "massage", "--json")
    listed = {c["code"] for c in json.loads(out)}
    assert {"97124", "97140", "97112"} <= listed
    assert not listed & {"97161", "97165", "92507"}


def test_codes_search_json_ranks() -> None:
    _, out, _ = run("codes", "search", "neuromuscular re-education balance", "--json")
    assert json.loads(out)[0]["code"] == "97112"


def test_codes_import_overrides_descriptions(tmp_path: Path) -> None:
    licensed = tmp_path / "cpt.csv"
    licensed.write_text("code,description\n97140,LICENSED MANUAL THERAPY TEXT\n")
    code, out, _ = run("codes", "import", str(licensed), "--json")
    assert code == 0
    assert json.loads(out)["imported"] == 1 and json.loads(out)["added"] == []
    _, out, _ = run("codes", "show", "97140", "--json")
    assert json.loads(out)["description"] == "LICENSED MANUAL THERAPY TEXT"


def test_codes_import_adds_a_code_it_does_not_know_with_its_timing(tmp_path: Path) -> None:
    """Issue 11 item 5: a licensed file can add rows; units then follow the timing it gives."""
    licensed = tmp_path / "cpt.csv"
    licensed.write_text(
        "code,description,timing,min_minutes,disciplines\n"
        "97140,LICENSED MANUAL THERAPY TEXT,,,\n"
        "99999,LICENSED TEXT OF A CODE THERABILL LACKS,per_15,8,pt;ot\n"
    )
    code, out, _ = run("codes", "import", str(licensed), "--json")
    assert code == 0
    assert json.loads(out) | {"file": ""} == {"file": "", "imported": 1, "added": ["99999"]}
    _, out, _ = run("codes", "show", "99999", "--json")
    shown = json.loads(out)
    assert (shown["timing"], shown["unit_minutes"], shown["disciplines"]) == (
        "per_15",
        15,
        ["ot", "pt"],
    )
    assert shown["source"].startswith("your descriptor file ")
    assert shown["source"].endswith("descriptors.csv, row 3")
    _, out, _ = run("units", "--json", "--rule", "midpoint", "99999=38")
    assert json.loads(out)["lines"] == [{"code": "99999", "minutes": 38, "units": 3}]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param(
            "99999,Licensed text\n",
            "row 2: 99999 is not in therabill's code set: give its timing (untimed, per_15",
            id="no-timing-column",
        ),
        pytest.param(
            "97140,ok,\n99999,Licensed text,\n",
            "row 3: 99999 is not in therabill's code set",
            id="empty-timing",
        ),
        pytest.param(
            "99999,Licensed text,sometimes\n",
            "row 2: timing 'sometimes' is not one of",
            id="bad-timing",
        ),
        pytest.param(
            "99998,Licensed add-on,addon\n",
            "row 2: 99998: timing addon needs unit_minutes",
            id="addon-without-primary",
        ),
    ],
)
def test_codes_import_names_the_row_of_a_new_code_it_cannot_add(
    tmp_path: Path, rows: str, message: str
) -> None:
    licensed = tmp_path / "cpt.csv"
    header = "code,description" + (",timing" if rows.count(",") > rows.count("\n") else "")
    licensed.write_text(f"{header}\n{rows}")
    code, out, err = run("codes", "import", str(licensed))
    assert (code, out) == (2, "")
    assert err.startswith(f"Error: {licensed}, ") and message in err, err


def test_codes_import_refuses_a_bad_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,description\n97140,\n")
    code, out, err = run("codes", "import", str(bad))
    assert (code, out) == (2, "")
    assert err == f"Error: {bad}, row 2: 97140: description is empty\n"


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every command under ``group`` (Typer vendors its own click: duck-type the groups)."""
    found = [(prefix.strip(), group)]
    if hasattr(group, "commands"):
        for name, sub in group.commands.items():
            found += _commands(sub, f"{prefix} {name}")
    return found


def test_every_command_has_help_with_an_example_and_json() -> None:
    root = typer.main.get_command(app)
    for name, command in _commands(root):
        assert (command.help or "").strip(), f"{name or 'therabill'} has no help"
        if not hasattr(command, "commands"):
            assert "Example:" in (command.help or ""), f"{name} help lacks an example"
            assert any("--json" in p.opts for p in command.params), f"{name} lacks --json"


def test_codes_show_follows_the_replacement_chain_to_the_date() -> None:
    """ASHA: 97532 → 97127/G0515 (2018) → 97129/97130 (2020)."""
    code, out, _ = run("codes", "show", "97532", "--date", "2026-11-20")
    assert code == 0
    assert (
        "Billable instead on 2026-11-20: 97129 (add-on 97130) (its replacements were deleted in turn)\n"
        in out
    )
    _, out, _ = run("codes", "show", "97532", "--date", "2026-11-20", "--json")
    assert json.loads(out)["billable_instead"] == ["97129", "97130"]


def test_codes_show_says_what_payers_say_about_a_code() -> None:
    """Issue 11 item 7: payer facts come from the payer profiles, each with its source."""
    code, out, _ = run("codes", "show", "97010", "--date", "2026-11-20")
    assert code == 0 and "not recommended" not in out.lower()
    assert "Payer MEDICARE: not paid as billed: bundled" in out
    _, out, _ = run("codes", "show", "G0283", "--json")
    notes = json.loads(out)["payers"]
    assert [(n["payer"], n["says"]) for n in notes] == [("COMMERCIAL", "prefers 97014")]
    assert "CPT 97014" in notes[0]["source"]


@pytest.mark.parametrize(
    "args",
    [("client", "list"), ("claims", "list"), ("ledger", "C-1"), ("denials", "list", "--json")],
)
def test_a_read_before_init_says_so_and_leaves_no_database_behind(
    args: tuple[str, ...], therabill_home: Path
) -> None:
    """A first-hour mistake: reading before ``therabill init`` must not create an empty
    database file that a later command then finds and calls "not set up"."""
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert "not set up yet" in err and "therabill init" in err
    assert not (therabill_home / "therabill.sqlite3").exists()
