"""Hand-made MovieLens-format datasets for tests, and ways to damage or package them."""
from __future__ import annotations

import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def break_line(path: Path, line: int, text: str) -> None:
    """Replace one line of a text file (1-based), keeping the others byte for byte."""
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = text.encode()
    path.write_bytes(b"\n".join(lines))


def zip_folder(folder: Path, archive: Path) -> Path:
    """Zip a dataset folder the way GroupLens does: one top folder named like the archive."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for file in sorted(folder.iterdir()):
            out.write(file, f"{archive.stem}/{file.name}")
    return archive
