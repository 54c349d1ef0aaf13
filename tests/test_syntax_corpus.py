"""Parity of dockermig.syntax with BuildKit's own parser on a corpus of Dockerfiles.

The corpus is the hand-written files in tests/corpus/files plus the files
tests/corpus/generate.py produces. For each file, both parsers must agree on
instruction boundaries, names, flags, heredocs, the exec (JSON) form and the
parsed values, or both must raise. Printing the tree must also give the file
back byte for byte. corpus/oracle.py contains the comparison.
"""

from pathlib import Path

import dockerfile
import pytest
from corpus.generate import generate_corpus
from corpus.oracle import assert_same_as_buildkit

CORPUS_FOLDER = Path(__file__).parent / "corpus" / "files"


def corpus_files() -> list[tuple[str, str]]:
    """Return (name, text) for every hand-written and generated corpus file."""
    files = [
        (path.name, path.read_bytes().decode("utf-8"))
        for path in sorted(CORPUS_FOLDER.iterdir())
        if path.is_file()
    ]
    files.extend(generate_corpus())
    return files


CORPUS_FILES = corpus_files()


def test_corpus_size():
    assert len(CORPUS_FILES) >= 300


def test_corpus_has_files_buildkit_rejects():
    rejected = 0
    for _, text in CORPUS_FILES:
        try:
            dockerfile.parse_string(text)
        except dockerfile.GoParseError:
            rejected += 1
    assert rejected >= 20


@pytest.mark.parametrize(("name", "text"), CORPUS_FILES, ids=[name for name, _ in CORPUS_FILES])
def test_corpus_file_matches_buildkit(name, text):
    assert_same_as_buildkit(text)
