"""``vostok datasets synth | check | layouts`` from the command line."""

from __future__ import annotations

from vostok.cli import main


def _synth(out, *extra):
    argv = ["datasets", "synth", "--layout", "davis2017", "--out", str(out), "--videos", "2", "--frames", "4"]
    return main([*argv, "--size", "32x48", "--seed", "3", "--workers", "1", *extra])


def test_synth_then_check_reports_counts_and_exits_zero(tmp_path, capsys):
    assert _synth(tmp_path / "d") == 0
    assert "wrote 2 davis2017 video(s) of 4 frames" in capsys.readouterr().out
    assert main(["datasets", "check", str(tmp_path / "d"), "--layout", "davis2017"]) == 0
    out = capsys.readouterr().out
    assert "sequences:        2" in out
    assert "frames:           8" in out
    assert "annotated frames: 8" in out
    assert "problems:         0" in out


def test_check_passes_reader_options(tmp_path, capsys):
    _synth(tmp_path / "d")
    assert main(["datasets", "check", str(tmp_path / "d"), "--layout", "davis2017", "-o", "subset=val"]) == 0
    assert "sequences:        1" in capsys.readouterr().out


def test_check_lists_problems_and_exits_one(tmp_path, capsys):
    _synth(tmp_path / "d")
    (tmp_path / "d" / "Annotations" / "480p" / "synth-000" / "00002.png").unlink()
    assert main(["datasets", "check", str(tmp_path / "d"), "--layout", "davis2017"]) == 1
    out = capsys.readouterr().out
    assert "problems:         1" in out
    assert "synth-000': 1 of 4 frames have no annotation (00002)" in out


def test_check_of_a_folder_in_another_layout_exits_two_with_one_paragraph(tmp_path, capsys):
    _synth(tmp_path / "d")
    assert main(["datasets", "check", str(tmp_path / "d"), "--layout", "bl30k"]) == 2
    err = capsys.readouterr().err
    assert "Error: bl30k layout:" in err and "the DAVIS layout (--layout davis2017)" in err
    assert "Traceback" not in err


def test_synth_refuses_a_non_empty_folder_unless_overwrite(tmp_path, capsys):
    assert _synth(tmp_path / "d") == 0
    assert _synth(tmp_path / "d") == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert _synth(tmp_path / "d", "--overwrite") == 0


def test_synth_rejects_a_malformed_size(tmp_path, capsys):
    assert (
        main(["datasets", "synth", "--layout", "bl30k", "--out", str(tmp_path / "x"), "--size", "480"]) == 2
    )
    assert "--size takes HxW" in capsys.readouterr().err


def test_synth_help_shows_an_example(capsys):
    assert main(["datasets", "synth", "--help"]) == 0
    assert "Example: vostok datasets synth --layout davis2017" in capsys.readouterr().out


def test_layouts_lists_readable_and_synthesised_layouts(capsys):
    assert main(["datasets", "layouts"]) == 0
    out = capsys.readouterr().out
    assert "youtube-vos-2019" in out and "fbms" in out and "planned:     ref-youtube-vos" in out
