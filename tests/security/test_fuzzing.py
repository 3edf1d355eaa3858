"""The Atheris fuzz harnesses (security.md matrix H5; fuzz/README.md).

- Every file of fuzz/regressions/<harness>/ (inputs that once crashed or hung a harness,
  committed once fixed) and every seed of fuzz/seeds.py is replayed through the harness
  function that found it: accepted as an allowed kind or refused with EvidenceRefused, within
  a time bound. A fixed bug that returns fails here.
- The seeds are what they claim: the valid files are accepted, the hostile ones refused.
- The harnesses' checks bite: a re-encoder that kept EXIF, or a stripper that kept the
  author, is reported.
- Each fuzzer runs briefly (a few hundred inputs, in a subprocess, as `make fuzz` runs it for
  hours), so every change runs the real Atheris/libFuzzer loop over the product.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fuzz import harnesses
from fuzz.harnesses import HARNESSES, HarnessFailure, office_from
from fuzz.seeds import STRUCTURED_OFFICE, seeds

ROOT = Path(__file__).resolve().parents[2]
REGRESSIONS = ROOT / "fuzz" / "regressions"
# One input may take this long on a busy 2-core machine; libFuzzer's -timeout is 20 s.
PER_INPUT_SECONDS = 10
# The brief run per harness (the three together stay within about half a minute).
CI_RUNS = 400
# Instrumenting pypdf takes 10-20 s: the brief upload run is guided by the product's own code
# and filetype's (the nightly run instruments pypdf and Pillow too).
BRIEF_INSTRUMENT = {"upload": "documents,filetype"}


def _replay(harness: str, files: dict[str, bytes]) -> list[tuple[str, str]]:
    problems = []
    for name, data in sorted(files.items()):
        started = time.monotonic()
        try:
            HARNESSES[harness](data)
        except Exception as exc:  # noqa: BLE001 — any exception is the finding
            problems.append((name, f"{type(exc).__name__}: {exc}"))
            continue
        elapsed = time.monotonic() - started
        if elapsed > PER_INPUT_SECONDS:
            problems.append((name, f"took {elapsed:.1f} s"))
    return problems


def _regressions(harness: str) -> dict[str, bytes]:
    """The committed inputs of one harness; the upload harness replays every harness's (each
    was a file someone could upload)."""
    folders = (
        [REGRESSIONS / h for h in HARNESSES] if harness == "upload" else [REGRESSIONS / harness]
    )
    return {
        f"{p.parent.name}/{p.name}": p.read_bytes()
        for folder in folders
        if folder.is_dir()  # (git keeps no empty folder: image/ has no regression yet)
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.mark.parametrize("harness", list(HARNESSES))
def test_every_regression_input_is_accepted_or_refused_in_time(harness):
    files = _regressions(harness)
    assert files or harness == "image", f"fuzz/regressions/{harness}/ is empty"
    assert _replay(harness, files) == []


@pytest.mark.parametrize("harness", list(HARNESSES))
def test_every_seed_is_accepted_or_refused_in_time(harness):
    assert _replay(harness, seeds(harness)) == []


def test_the_seeds_are_accepted_or_refused_as_their_names_say():
    from django.utils import translation

    from documents.evidence import EvidenceRefused, check_file, sniff

    refused_seeds = {
        "script.pdf",
        "macro.docm",
        "not-office.zip",
        "photo.heic",
        "page.html",
        "drawing.svg",
        "program.exe",
        "polyglot.png",
    }
    outcome = {}
    with translation.override("en"):
        for name, data in seeds("upload").items():
            try:
                checked = check_file(data, name=name, max_bytes=harnesses.MAX_BYTES)
            except EvidenceRefused:
                outcome[name] = "refused"
            else:
                outcome[name] = checked.kind
    assert {n for n, kind in outcome.items() if kind == "refused"} == refused_seeds
    expected = {
        "jpg": "jpeg",
        "png": "png",
        "webp": "webp",
        "pdf": "pdf",
        "docx": "docx",
        "xlsx": "xlsx",
        "mp3": "mp3",
        "amr": "amr",
        "mp4": "mp4",
        "m4a": "m4a",
        "wav": "wav",
    }
    for name, kind in outcome.items():
        if name not in refused_seeds:
            assert kind == expected[name.rsplit(".", 1)[1]], (name, kind)
    # The office harness's structured seeds make archives the Office reader accepts.
    made = {name: sniff(office_from(data)) for name, data in STRUCTURED_OFFICE.items()}
    assert made == {"structured-docx.bin": "docx", "structured-xlsx.bin": "xlsx"}


def test_the_harnesses_report_a_re_encoder_that_keeps_exif(monkeypatch):
    data = seeds("image")["rgb-exif.jpg"]
    harnesses.reencode_image(data)  # the real re-encoder keeps the promise
    monkeypatch.setattr(harnesses, "clean_image", lambda data, kind: data)
    with pytest.raises(HarnessFailure, match="still has EXIF"):
        harnesses.reencode_image(data)


def test_the_harnesses_report_a_stripper_that_keeps_the_author(monkeypatch):
    from documents.metadata import Stripped

    data = seeds("office")["sheet.xlsx"]
    harnesses.strip_office(data)
    monkeypatch.setattr(harnesses, "strip_metadata", lambda data, kind: Stripped(data, False))
    with pytest.raises(HarnessFailure, match="was not emptied|a person's name is left"):
        harnesses.strip_office(data)


def test_the_harnesses_report_an_exception_other_than_the_refusal(monkeypatch):
    def broken(data, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(harnesses, "check_file", broken)
    with pytest.raises(KeyError):
        harnesses.check_upload(b"%PDF-1.4")


@pytest.mark.parametrize("harness", list(HARNESSES))
def test_each_fuzzer_runs_briefly_without_a_crash(harness, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, data in seeds(harness).items():
        (corpus / name).write_bytes(data)
    crashers = tmp_path / "crashers"
    crashers.mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    if harness in BRIEF_INSTRUMENT:
        env["FUZZ_INSTRUMENT"] = BRIEF_INSTRUMENT[harness]
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "fuzz" / "run.py"),
            harness,
            f"-runs={CI_RUNS}",
            "-seed=1",
            "-max_total_time=60",
            "-timeout=30",
            f"-artifact_prefix={crashers}/",
            str(corpus),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert f"Done {CI_RUNS} runs" in output, output[-3000:]
    assert list(crashers.iterdir()) == []
    # Coverage-guided: the instrumented product code reported edges (libFuzzer's "cov:").
    assert " cov: " in output


def test_a_pdf_without_a_catalog_is_not_searched_object_by_object(monkeypatch):
    """Found by the upload fuzzer: 541 bytes whose trailer names no catalog and claims 50,000
    objects made pypdf look for the catalog in 10,000 of them (two seconds of CPU per upload).
    The search now stops at ROOT_RECOVERY_LIMIT objects and the file is kept and flagged."""
    from pypdf import PdfReader

    from documents.metadata import ROOT_RECOVERY_LIMIT, strip_metadata

    data = (
        REGRESSIONS / "upload" / "pdf-without-catalog-searches-ten-thousand-objects.pdf"
    ).read_bytes()
    calls = []
    original = PdfReader.get_object

    def counting(self, indirect_reference):
        calls.append(indirect_reference)
        return original(self, indirect_reference)

    monkeypatch.setattr(PdfReader, "get_object", counting)
    result = strip_metadata(data, "pdf")
    assert result.kept and result.content == data
    assert 0 < len(calls) <= 2 * ROOT_RECOVERY_LIMIT + 50
