"""Run one fuzz harness under Atheris (coverage-guided, libFuzzer's engine):

    .venv/bin/python fuzz/run.py HARNESS [libFuzzer flags] [CORPUS_DIR ...]

HARNESS is upload, image or office (fuzz/harnesses.py). Flags are libFuzzer's, e.g.
-max_total_time=600, -runs=500, -jobs=1; the first corpus folder receives the new inputs the
fuzzer keeps. Unless given, these are added:

    -timeout=20            an input that runs longer is a hang: reported and saved as a crasher
    -max_len=65536         fuzz inputs of at most 64 KiB
    -rss_limit_mb=2048     more memory than this is a crash too
    -artifact_prefix=fuzz/crashers/HARNESS-

`make fuzz` runs every harness for FUZZ_SECONDS with fuzz/corpus/HARNESS and the seeds of
fuzz/seeds.py. A crasher is saved as fuzz/crashers/HARNESS-crash-<sha1> (or -timeout-, -oom-);
once fixed, copy it into fuzz/regressions/HARNESS/ (tests/security/test_fuzzing.py replays it).

The product code the harness reaches is instrumented at import (documents, Pillow's Python
side, pypdf, filetype; zipfile, imported before Django was set up, function by function), so
the fuzzer is guided by which of its branches an input takes. C code (Pillow's decoders, zlib)
is not instrumented: it is exercised, not measured.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "-timeout": "20",
    "-max_len": "65536",
    "-rss_limit_mb": "2048",
}
# Instrumented at import, by harness (top-level packages). FUZZ_INSTRUMENT=documents,PIL
# (comma-separated) overrides it: the brief runs of tests/security/test_fuzzing.py leave pypdf
# out, whose instrumentation alone takes 10 to 20 seconds.
INSTRUMENT = {
    "upload": ["documents", "PIL", "pypdf", "filetype"],
    "image": ["documents", "PIL"],
    "office": ["documents", "filetype"],
}
# Modules that are only data tables: instrumenting them costs seconds and measures nothing.
NOT_INSTRUMENTED = ["pypdf._codecs.adobe_glyphs", "pypdf._codecs.core_font_metrics"]


def _instrument_loaded(module) -> int:
    """Instrument the functions and methods of a module that was imported before Atheris's
    import hook was in place (zipfile: Django imports it)."""
    import atheris

    count = 0
    for value in list(vars(module).values()):
        if getattr(value, "__module__", None) != module.__name__:
            continue
        members = [value] if inspect.isfunction(value) else []
        if inspect.isclass(value):
            for attr in vars(value).values():
                if isinstance(attr, staticmethod | classmethod):
                    attr = attr.__func__
                elif isinstance(attr, property):
                    members.extend(f for f in (attr.fget, attr.fset) if f is not None)
                    continue
                if inspect.isfunction(attr):
                    members.append(attr)
        for function in members:
            atheris.instrument_func(function)
            count += 1
    return count


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in INSTRUMENT:
        sys.exit(f"usage: {argv[0]} {{{','.join(INSTRUMENT)}}} [libFuzzer flags] [corpus ...]")
    harness, rest = argv[1], argv[2:]
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import atheris

    # pypdf logs every oddity of a broken PDF and Pillow warns about broken EXIF: millions of
    # lines in a night, and the write costs more than the input. Crashes are printed anyway.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", category=UserWarning)

    packages = (
        os.environ.get("FUZZ_INSTRUMENT", "").split(",")
        if "FUZZ_INSTRUMENT" in os.environ
        else INSTRUMENT[harness]
    )
    packages = [p for p in packages if p]
    hook = (
        atheris.instrument_imports(include=packages, exclude=NOT_INSTRUMENTED)
        if packages  # an empty list would instrument every module imported
        else contextlib.nullcontext()
    )
    with hook:
        import PIL.Image
        import PIL.JpegImagePlugin  # noqa: F401
        import PIL.PngImagePlugin  # noqa: F401
        import PIL.TiffImagePlugin  # noqa: F401  reads EXIF (the orientation)
        import PIL.WebPImagePlugin  # noqa: F401

        import documents.evidence  # noqa: F401
        import documents.metadata  # noqa: F401

        if harness == "upload":
            import pypdf  # noqa: F401  documents.metadata imports it when a PDF arrives

        from fuzz.harnesses import HARNESSES
    if harness != "image" and packages:  # zipfile was imported with Django, before the hook
        import zipfile

        _instrument_loaded(zipfile)
    target = HARNESSES[harness]
    # Pillow imports its other format plugins on first use; done now, outside the hook (the
    # harnesses open JPEG, PNG and WebP only).
    PIL.Image.init()

    given = {arg.split("=", 1)[0] for arg in rest if arg.startswith("-")}
    flags = [f"{k}={v}" for k, v in DEFAULTS.items() if k not in given]
    if "-artifact_prefix" not in given:
        crashers = ROOT / "fuzz" / "crashers"
        crashers.mkdir(parents=True, exist_ok=True)
        flags.append(f"-artifact_prefix={crashers}/{harness}-")

    def test_one_input(data: bytes) -> None:
        target(data)

    atheris.Setup([argv[0], *flags, *rest], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
