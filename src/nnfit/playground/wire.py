"""A frame on the WebSocket: one binary message, a JSON header and the pictures' raw bytes.

A frame's pictures (the heat map, every unit's thumbnail) are arrays of bytes; as base64 text in
JSON they cost a third more bytes, their encoding on the server and a decoding loop per picture
in the page. A binary message carries them as they are::

    uint32 (little-endian)  n, the header's length in bytes
    n bytes                 the header: the frame as UTF-8 JSON, each byte array replaced by
                            {"$bytes": [offset, length]} into the payload
    the rest                the payload: the byte arrays, one after the other

The page reads the arrays as views of the message (no copy). Other messages stay JSON text.
"""

from __future__ import annotations

import json
import struct

import numpy as np

KEY = "$bytes"


def encode(message):
    """``message`` (a dict whose leaves may be uint8 arrays) as one binary message."""
    chunks, size = [], 0

    def lift(value):
        nonlocal size
        if isinstance(value, np.ndarray):
            data = np.ascontiguousarray(value, np.uint8).tobytes()
            chunks.append(data)
            size += len(data)
            return {KEY: [size - len(data), len(data)]}
        if isinstance(value, dict):
            return {k: lift(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], (int, float)):
                return value  # numbers (a weight matrix's row): nothing to lift, no walk
            return [lift(v) for v in value]
        return value

    header = json.dumps(lift(message), separators=(",", ":")).encode("utf-8")
    return b"".join([struct.pack("<I", len(header)), header, *chunks])


def decode(data):
    """A binary message back as a dict, byte arrays as ``bytes`` (what tests read)."""
    (n,) = struct.unpack_from("<I", data)
    payload = memoryview(data)[4 + n:]

    def hook(d):
        if set(d) == {KEY}:
            offset, length = d[KEY]
            return bytes(payload[offset:offset + length])
        return d

    return json.loads(bytes(data[4:4 + n]).decode("utf-8"), object_hook=hook)


__all__ = ["encode", "decode"]
