"""The package's YAML data files, read through a compiled copy kept beside them.

Parsing YAML is the largest part of reading the knowledge at start-up (signals.yaml alone
costs tens of milliseconds with the C loader); loading the same data from a `marshal` copy
costs well under one. The copy is named by a hash of the file's bytes, so an edited file is
never answered from an old copy: it is parsed again and a new copy replaces the old one. The
copies live in the folder's `__pycache__`, as Python keeps its bytecode; where that cannot
be written (a read-only install), the file is simply parsed each time.

This is the basement: it imports nothing of the project, so every floor that reads data
files may use it.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["compiled_path", "derived", "load_yaml", "package_file"]

#: the folder of the `buyersync` package: its data files are always files on disk (it is not
#: importable from a zip archive), so they are read by path, without importlib.resources
_PACKAGE = Path(__file__).resolve().parent


def package_file(package: str, *parts: str) -> Path:
    """A file shipped in the package: `package_file("buyersync.locate", "data", "cues.yaml")`."""
    top, *subs = package.split(".")
    if top != _PACKAGE.name:
        raise ValueError(package)  # a programming error: only this package's files
    return _PACKAGE.joinpath(*subs, *parts)


# what a marshal copy may hold: YAML's plain types (a date, say, is not one: no copy is made)
_PLAIN = (str, int, float, bool, type(None))


def load_yaml(source: Traversable) -> Any:
    """The data of a YAML file (safe loading, the C loader where PyYAML has it)."""
    data = source.read_bytes()
    copy = compiled_path(source, data) if isinstance(source, Path) else None
    if copy is not None:
        try:
            return marshal.loads(copy.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass  # no copy yet, or a damaged one: parse the file
    value = _parse(data)
    if copy is not None and _plain(value):
        _store(copy, value)
    return value


def derived(source: Path, data: Any, build: Callable[[], bytes]) -> bytes:
    """Bytes computed from `data` (a part of `source`), kept in a copy beside `source` like
    a YAML file's: `build` runs once per content of `data`."""
    copy = compiled_path(source, data)
    try:
        value = marshal.loads(copy.read_bytes())
        if isinstance(value, bytes):
            return value
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no copy yet, or a damaged one
    built = build()
    _store(copy, built)
    return built


def compiled_path(source: Path, data: Any) -> Path:
    """Where the compiled copy of `source` holding exactly `data` lives."""
    # a checksum, not a cryptographic hash: hashlib's import alone costs a start-up several
    # milliseconds; the length with two 32-bit checksums tells an edited file apart
    digest = f"{len(data):x}{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
    return source.parent / "__pycache__" / f"{source.name}.{digest}.{sys.implementation.cache_tag}.marshal"


def _parse(data: bytes) -> Any:
    import yaml

    return yaml.load(data.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return isinstance(value, _PLAIN)


def _store(copy: Path, value: Any) -> None:
    """Write the copy (atomically: a reader never sees half a file) and drop older copies of
    the same file. Any failure leaves things as they were: the copy only saves time."""
    name, _, tag = copy.name.rsplit(".", 3)[:3]
    tmp = copy.with_name(f"{copy.name}.{os.getpid()}.tmp")
    try:
        copy.parent.mkdir(exist_ok=True)
        tmp.write_bytes(marshal.dumps(value))
        os.replace(tmp, copy)
        for old in copy.parent.glob(f"{name}.*.{tag}.marshal"):
            if old != copy and old.name.rsplit(".", 3)[0] == name:
                old.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
