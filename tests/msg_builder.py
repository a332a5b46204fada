"""Write small Outlook .msg files for tests: an OLE compound file (CFB v3) holding MAPI
property streams, as [MS-CFB] and [MS-OXMSG] lay them out.

Kept minimal: small streams in the mini stream, larger ones in 512-byte sectors, and
siblings chained through right-sibling links (a valid, if unbalanced, tree).
"""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

SECTOR, MINI, CUTOFF = 512, 64, 4096
END, FREE, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def _text(prop: int, value: str) -> tuple[str, bytes]:
    return f"__substg1.0_{prop:04X}001F", value.encode("utf-16-le")


def _bytes(prop: int, value: bytes) -> tuple[str, bytes]:
    return f"__substg1.0_{prop:04X}0102", value


def message_streams(*, subject: str, body: str = "", html: str = "", sender: str, sender_name: str,
                    to: list[str], message_id: str, when: dt.datetime,
                    attachments: list[tuple[str, bytes]] | None = None,
                    in_reply_to: str = "") -> dict[str, object]:
    """A tree of storages (dicts) and streams (bytes) for one message."""
    ticks = int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)
    fixed = b"\x00" * 32 + struct.pack("<IIQ", (0x0039 << 16) | 0x0040, 6, ticks)
    root: dict[str, object] = dict([
        _text(0x0037, subject), _text(0x0C1A, sender_name), _text(0x5D01, sender),
        _text(0x1035, message_id), ("__properties_version1.0", fixed)])
    if body:
        root.update([_text(0x1000, body)])
    if html:
        root.update([_bytes(0x1013, html.encode("utf-8"))])
    if in_reply_to:
        root.update([_text(0x1042, in_reply_to)])
    for i, address in enumerate(to):
        root[f"__recip_version1.0_#{i:08X}"] = dict([_text(0x39FE, address),
                                                     ("__properties_version1.0", b"\x00" * 8)])
    for i, (name, data) in enumerate(attachments or []):
        root[f"__attach_version1.0_#{i:08X}"] = dict([
            _text(0x3707, name), _bytes(0x3701, data),
            _text(0x370E, "application/pdf"), ("__properties_version1.0", b"\x00" * 8)])
    return root


def write_msg(path: Path, tree: dict[str, object]) -> None:
    entries: list[dict[str, object]] = []  # flattened directory, root first

    def add(name: str, node: object) -> int:
        index = len(entries)
        entry: dict[str, object] = {"name": name, "node": node, "child": NOSTREAM,
                                    "right": NOSTREAM}
        entries.append(entry)
        if isinstance(node, dict):
            previous = None
            for child_name, child in node.items():
                k = add(child_name, child)
                if previous is None:
                    entry["child"] = k
                else:
                    entries[previous]["right"] = k
                previous = k
        return index

    add("Root Entry", tree)
    streams = [e for e in entries if isinstance(e["node"], bytes)]
    # streams under 4096 bytes live in 64-byte mini sectors inside the root's stream
    mini = b""
    minifat: list[int] = []
    big: list[dict[str, object]] = []
    for e in streams:
        raw: bytes = e["node"]  # type: ignore[assignment]
        if not raw:
            e["start"] = END
        elif len(raw) < CUTOFF:
            n = -(-len(raw) // MINI)
            e["start"] = len(minifat)
            minifat += [len(minifat) + i + 1 for i in range(n - 1)] + [END]
            mini += raw + b"\x00" * (n * MINI - len(raw))
        else:
            big.append(e)
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    minifat_sectors = -(-len(minifat_bytes) // SECTOR)
    mini_sectors = -(-len(mini) // SECTOR)
    big_sectors = sum(-(-len(e["node"]) // SECTOR) for e in big)  # type: ignore[arg-type]
    dir_sectors = -(-len(entries) * 128 // SECTOR)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < (fat_sectors + dir_sectors + minifat_sectors
                                         + mini_sectors + big_sectors):
        fat_sectors += 1
    fat = [FATSECT] * fat_sectors

    def chain(n: int) -> int:
        if n == 0:
            return END
        first = len(fat)
        fat.extend([len(fat) + i + 1 for i in range(n - 1)] + [END])
        return first

    first_dir = chain(dir_sectors)
    first_minifat = chain(minifat_sectors)
    entries[0]["start"] = chain(mini_sectors)
    entries[0]["size"] = len(mini)
    body = minifat_bytes.ljust(minifat_sectors * SECTOR, b"\xff") + mini.ljust(
        mini_sectors * SECTOR, b"\x00")
    for e in big:
        raw = e["node"]  # type: ignore[assignment]
        n = -(-len(raw) // SECTOR)
        e["start"] = chain(n)
        body += raw + b"\x00" * (n * SECTOR - len(raw))
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))

    directory = b""
    for e in entries:
        name = str(e["name"]).encode("utf-16-le") + b"\x00\x00"
        node = e["node"]
        kind = 5 if e is entries[0] else (1 if isinstance(node, dict) else 2)
        size = len(node) if isinstance(node, bytes) else int(e.get("size", 0))  # type: ignore[call-overload]
        start = e.get("start", END) if kind in (2, 5) else END
        directory += (name.ljust(64, b"\x00") + struct.pack("<HBB", len(name), kind, 1)
                      + struct.pack("<III", NOSTREAM, e["right"], e["child"])
                      + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
                      + struct.pack("<IQ", start, size))
    directory = directory.ljust(dir_sectors * SECTOR, b"\x00")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, first_dir, 0, CUTOFF, first_minifat,
                            minifat_sectors, END, 0))
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header += struct.pack("<109I", *difat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    path.write_bytes(header + fat_bytes + directory + body)
