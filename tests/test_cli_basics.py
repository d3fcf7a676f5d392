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


def test_checkpoint_file_problems_are_checkpoint_errors(tmp_path):
    import pytest
    import torch

    from vostok.checkpoint import load_checkpoint_file
    from vostok.errors import CheckpointError

    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"junk\n" * 10)
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint_file(junk)
    good = tmp_path / "good.pth"
    torch.save({"w": torch.ones(3)}, good)
    (tmp_path / "cut.pth").write_bytes(good.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint_file(tmp_path / "cut.pth")
    text = tmp_path / "notes.pth"
    text.write_text("garbage\n")  # 'g' is a pickle opcode: without the format check torch blames pickling
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        load_checkpoint_file(text)

    torch.save({"w": _Custom()}, tmp_path / "pickled.pth")
    with pytest.raises(CheckpointError, match="allow_pickle"):
        load_checkpoint_file(tmp_path / "pickled.pth")
    assert load_checkpoint_file(good)["w"].sum() == 3


class _Custom:
    """A picklable class that is not a tensor: checkpoints holding it need full unpickling."""
