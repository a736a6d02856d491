"""`tandem import` and `tandem export` for any registered object."""

import pytest

from tandem.cli import main
from tandem.parties.models import Party

PARTIES = "External key,Name,Email\nC-1,Harbour Trading,sales@harbour.test\nC-2,Bad,nope\n"


def _run(argv) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return done.value.code


def test_a_dry_run_then_an_import_with_a_rejected_row(company, tmp_path, capsys):
    path = tmp_path / "parties.csv"
    path.write_text(PARTIES)

    assert _run(["import", "parties", str(path), "--dry-run"]) == 1
    assert not Party.objects.exists()
    dry = capsys.readouterr()
    assert "dry run: 2 rows, 1 valid, 1 refused, 1 to create, 0 to update" in dry.out
    assert "row 3: email: validation.email:" in dry.err

    assert _run(["import", "parties", str(path), "--company", company.code]) == 1
    assert list(Party.objects.values_list("name", flat=True)) == ["Harbour Trading"]
    assert "import: 2 rows, 1 valid, 1 refused, 1 created, 0 updated" in capsys.readouterr().out

    path.write_text(PARTIES.replace("nope", "bad@valves.test"))
    assert _run(["import", "parties", str(path)]) == 0
    assert "0 refused, 1 created, 1 updated" in capsys.readouterr().out
    assert Party.objects.count() == 2


def test_a_refused_file_exits_2(company, tmp_path, capsys):
    path = tmp_path / "parties.csv"
    path.write_text("Name,Colour\nA,red\n")

    assert _run(["import", "parties", str(path)]) == 2
    assert "import.unknown_column" in capsys.readouterr().err
    assert _run(["import", "unicorns", str(path)]) == 2
    assert "import.object_unknown" in capsys.readouterr().err
    assert _run(["import", "parties", str(path), "--mapping", "{nope"]) == 2


def test_export_writes_a_file_that_imports_back(company, tmp_path, capsys):
    source = tmp_path / "parties.csv"
    source.write_text(PARTIES.replace("nope", "bad@valves.test"))
    _run(["import", "parties", str(source)])
    capsys.readouterr()
    out = tmp_path / "export.csv"

    main(["export", "parties", "--output", str(out)])

    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("external_key,name,kind,")
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["C-1", "C-2"]
    assert _run(["import", "parties", str(out)]) == 0
    assert "0 created, 2 updated" in capsys.readouterr().out
    assert Party.objects.count() == 2
