"""pydyf's `PDF.write`, making each object's bytes once.

Replaces `PDF.write` (and the serializing it copies: `_to_bytes`, `Object.indirect`,
`Object.compressible`, `Dictionary.data`, `Array.data`, `Stream.data`), of pydyf 0.13.0 (the
SHA-256 of their source: `SOURCE`). Installed only where the pydyf found is that version with
that source; elsewhere pydyf's own code runs.

pydyf 0.13's `PDF.write` makes every object's bytes twice when the PDF has an identifier
(WeasyPrint always gives one): once to write it, once more for the MD5 of the trailer's ID,
compressing each page's content stream and the big object stream (the 74,000 structure
elements of a tagged book) twice at zlib level 9. This `write` makes each object's bytes once,
with a serializer that gives pydyf's bytes for pydyf's own types (and asks every other object
for its `data`), and compresses the content streams in two threads (zlib lets go of the GIL)
while this one serializes the dictionaries. Same order, same level, same bytes.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 2
runs cold, 2 release): turning it off costs the cold build +1.04 CPU-s (+5.6%) and the release
+0.53 CPU-s (+5.1%).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from math import ceil, log
from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "0.13.0"
SOURCE = "5830548c27a4a24d43da30eb32dc63dc1739f5b8f683490df75b7cd4557af3ca"
_COMPRESS_THREADS = 2

def sources(pydyf: Any) -> tuple[Any, ...]:
    """What the fast `write` copies the behaviour of (their digest is SOURCE)."""
    return (pydyf._to_bytes, pydyf.Object.indirect.fget, pydyf.Object.compressible.fget,
            pydyf.Dictionary.data.fget, pydyf.Array.data.fget, pydyf.Stream.data.fget,
            pydyf.PDF.write)


def install() -> bool:
    """Install the fast `PDF.write` if pydyf is the one it was written for (idempotent);
    whether it is installed."""
    import pydyf

    if getattr(pydyf.PDF.write, "anthology_fast", False):
        return True
    if not written_against(getattr(pydyf, "__version__", None), VERSION, SOURCE,
                           *sources(pydyf)):
        return False
    pydyf.PDF.write = fast_write(pydyf, pydyf.PDF.write)
    return True


def serializer(pydyf: Any) -> Callable[[Any], bytes]:
    """pydyf's `_to_bytes`, faster on pydyf's own dictionaries and arrays (same bytes)."""
    Dictionary, Array = pydyf.Dictionary, pydyf.Array
    original = pydyf._to_bytes
    names: dict[str, bytes] = {}

    def dictionary(value: Any) -> bytes:
        parts = [b"<<"]
        for key, item in value.items():
            if type(key) is str:
                name = names.get(key)
                if name is None:
                    name = names[key] = b"/" + key.encode("ascii") + b" "
            else:
                name = b"/" + to_bytes(key) + b" "
            parts.append(name + to_bytes(item))
        parts.append(b">>")
        return b"".join(parts)

    def to_bytes(item: Any) -> bytes:
        kind = type(item)
        if kind is bytes:
            return item  # type: ignore[no-any-return]
        if kind is str:
            return item.encode("ascii")  # type: ignore[no-any-return]
        if kind is int:
            return b"%d" % item
        if kind is Dictionary:
            return dictionary(item)
        if kind is Array:
            return b"[" + b" ".join([to_bytes(child) for child in item]) + b"]"
        return original(item)  # type: ignore[no-any-return]

    return to_bytes


def fast_write(pydyf: Any, original: Any) -> Any:
    """pydyf's `PDF.write`, making each object's bytes once (see above)."""
    to_bytes = serializer(pydyf)
    Dictionary, Stream = pydyf.Dictionary, pydyf.Stream
    stream_data = Stream.__dict__["data"]
    object_indirect = pydyf.Object.__dict__["indirect"]
    compressible = pydyf.Object.__dict__["compressible"]

    def plain_stream(object_: Any) -> bool:
        kind = type(object_)
        return (getattr(kind, "data", None) is stream_data
                and getattr(kind, "compressible", None) is compressible)

    def stream_bytes(object_: Any, content: bytes) -> bytes:
        extra = Dictionary(object_.extra.copy())
        if object_.compress:
            extra["Filter"] = "/FlateDecode"
        extra["Length"] = len(content)
        return b"\n".join((to_bytes(extra), b"stream", content, b"endstream"))

    def deflate(content: bytes) -> bytes:
        compressor = zlib.compressobj(level=9)
        return compressor.compress(content) + compressor.flush()

    def row_bytes(rows: list[tuple[int, int, int]], lengths: tuple[int, int, int]) -> bytes:
        return b"".join(value.to_bytes(length, "big")
                        for row in rows for length, value in zip(lengths, row, strict=False))

    def deflate_rows(rows: list[tuple[int, int, int]], lengths: tuple[int, int, int]
                     ) -> tuple[tuple[int, int, int], bytes, Any, bytes]:
        """The widths, the rows' bytes, the compressor to go on with and what it gave so far."""
        compressor = zlib.compressobj(level=9)
        made = row_bytes(rows, lengths)
        return lengths, made, compressor, compressor.compress(made)

    def write(self: Any, output: Any, version: Any = b"1.7", identifier: Any = False,
              compress: Any = False) -> None:
        if not (pydyf._to_bytes(version or b"1.7") >= b"1.5" and compress):
            original(self, output, version, identifier, compress)  # nothing made twice
            return None
        version = pydyf._to_bytes(version or b"1.7")
        if identifier not in (False, True, None):
            identifier = pydyf._to_bytes(identifier)
        if self.info:
            self.add_object(self.info)
        self.write_line(b"%PDF-" + version, output)
        self.write_line(b"%\xf0\x9f\x96\xa4", output)

        data: dict[int, bytes] = {}  # id(object): its bytes, each made once
        live = [object_ for object_ in self.objects if object_.free != "f"]
        with ThreadPoolExecutor(_COMPRESS_THREADS) as pool, ThreadPoolExecutor(2) as tail:
            pending: dict[int, tuple[Any, Future[bytes] | bytes]] = {}
            for object_ in live:
                if not object_.compressible and plain_stream(object_):
                    content = b"\n".join([to_bytes(item) for item in object_.stream])
                    pending[id(object_)] = (object_, pool.submit(deflate, content)
                                            if object_.compress else content)
            compressed_objects = []
            for object_ in live:
                if object_.compressible:
                    compressed_objects.append(object_)
                    data[id(object_)] = to_bytes(object_)
            # The object stream (pydyf's own steps) is known now: it is deflated while the
            # other objects are written.
            stream: list[Any] = [[]]
            position = 0
            for object_ in compressed_objects:
                object_data = data[id(object_)]
                stream.append(object_data)
                stream[0].append(object_.number)
                stream[0].append(position)
                position += len(object_data) + 1
            stream[0] = " ".join(str(i) for i in stream[0])
            content = b"\n".join([to_bytes(item) for item in stream])
            packing = tail.submit(deflate, content)
            for object_ in live:
                if object_.compressible:
                    continue
                if id(object_) in pending:
                    made = pending.pop(id(object_))[1]
                    data[id(object_)] = stream_bytes(
                        object_, made if isinstance(made, bytes) else made.result())
                elif getattr(type(object_), "indirect", None) is object_indirect:
                    data[id(object_)] = object_.data
                object_.offset = self.current_position
                self.write_line(indirect(object_, data), output)

            extra = {
                "Type": "/ObjStm",
                "N": len(compressed_objects),
                "First": len(stream[0]) + 1,
            }
            object_stream = Stream(stream, extra, compress)
            object_stream.offset = self.current_position
            self.add_object(object_stream)

            # The cross-reference stream: every row but its own is known now, and its field
            # widths are, unless the object stream's length could change them. Its rows are
            # deflated meanwhile, and its own row added at the end (zlib gives the same bytes
            # for input given in parts, without a flush between them).
            xref = []
            dict_index = 0
            for object_ in self.objects:
                if object_.compressible:
                    xref.append((2, object_stream.number, dict_index))
                    dict_index += 1
                else:
                    xref.append((bool(object_.number), object_.offset, object_.generation))
            max_generation = max(object_.generation for object_ in self.objects)
            field3_size = ceil(log(max(max_generation, len(compressed_objects)) + 1, 256))
            least = self.current_position + len(content) // 2000
            most = self.current_position + len(content) + len(content) // 100 + 4096
            field2_size = ceil(log(least + 1, 256))
            rows: Future[tuple[tuple[int, int, int], bytes, Any, bytes]] | None = None
            if ceil(log(most + 1, 256)) == field2_size:
                rows = tail.submit(deflate_rows, list(xref), (1, field2_size, field3_size))

            digest = hashlib.md5() if identifier else None
            if digest is not None:
                for object_ in self.objects[:-1]:  # all but the object stream
                    if object_.free != "f":
                        known = data.get(id(object_))
                        digest.update(object_.data if known is None else known)
            data[id(object_stream)] = stream_bytes(object_stream, packing.result())
            del stream, content
            self.write_line(indirect(object_stream, data), output)
            if digest is not None:
                digest.update(data[id(object_stream)])

            xref.append((1, self.current_position, 0))
            field2_size = ceil(log(self.current_position + 1, 256))
            xref_lengths = (1, field2_size, field3_size)
            if rows is not None and rows.result()[0] == xref_lengths:
                _, xref_stream, compressor, xref_data = rows.result()
                last = row_bytes(xref[-1:], xref_lengths)
                xref_stream += last
                xref_data += compressor.compress(last) + compressor.flush()
            else:  # the widths were not known ahead
                xref_stream = row_bytes(xref, xref_lengths)
                xref_data = deflate(xref_stream)

        xref_extra = {
            "Type": "/XRef",
            "Index": pydyf.Array((0, len(self.objects) + 1)),
            "W": pydyf.Array(xref_lengths),
            "Size": len(self.objects) + 1,
            "Root": self.catalog.reference,
        }
        if self.info:
            xref_extra["Info"] = self.info.reference
        if digest is not None:
            data_hash = digest.hexdigest().encode()
            if identifier is True:
                identifier = data_hash
            xref_extra["ID"] = pydyf.Array((pydyf.String(identifier).data,
                                            pydyf.String(data_hash).data))
        dict_stream = Stream([xref_stream], xref_extra, compress)
        self.xref_position = dict_stream.offset = self.current_position
        self.add_object(dict_stream)
        data[id(dict_stream)] = stream_bytes(dict_stream, xref_data)
        self.write_line(indirect(dict_stream, data), output)
        self.write_line(b"startxref", output)
        self.write_line(f"{self.xref_position}".encode(), output)
        self.write_line(b"%%EOF", output)
        return None

    def indirect(object_: Any, data: dict[int, bytes]) -> bytes:
        if id(object_) not in data or getattr(type(object_), "indirect", None) \
                is not object_indirect:
            return object_.indirect  # type: ignore[no-any-return]
        header = f"{object_.number} {object_.generation} obj\n".encode()
        return header + data[id(object_)] + b"\nendobj"

    write.anthology_fast = True  # type: ignore[attr-defined]
    write.anthology_original = original  # type: ignore[attr-defined]
    return write
