"""The command-line entry point: help, unknown commands, user errors without tracebacks."""

from __future__ import annotations

from vostok.cli import main


def test_help_lists_commands_and_exits_zero(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "info" in out


def test_unknown_command_exits_non_zero(capsys):
    assert main(["no-such-command"]) != 0
    assert "No such command" in capsys.readouterr().err


def test_info_prints_version_and_models(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "vostok 0.1.0" in out
    assert "stcn" in out
