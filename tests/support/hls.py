"""A tiny HLS stream made here, without an encoder: MPEG-TS segments carrying silent MP3 frames.

A silent MPEG-1 Layer III frame is a header and all-zero side information (no main data), so the
stream can be written byte by byte; Chromium plays it natively and hls.js plays it through MSE.
"""
import struct

SAMPLE_RATE = 44100
SAMPLES_PER_FRAME = 1152
# MPEG-1 Layer III, no CRC, 128 kbit/s, 44.1 kHz, no padding, mono: 417 bytes per frame.
MP3_HEADER = bytes([0xFF, 0xFB, 0x90, 0xC0])
MP3_FRAME = MP3_HEADER + bytes(144 * 128000 // SAMPLE_RATE - len(MP3_HEADER))
PMT_PID = 0x1000
AUDIO_PID = 0x0101
FRAMES_PER_PES = 8


def _crc32_mpeg(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


class _Muxer:
    def __init__(self):
        self.counters: dict[int, int] = {}

    def packets(self, pid: int, payload: bytes, pcr: int | None = None) -> bytes:
        """Split one PES or section into 188-byte packets; an adaptation field carries the PCR and stuffing."""
        out = bytearray()
        first = True
        while first or payload:
            pcr_bytes = struct.pack(">IH", pcr >> 1, ((pcr & 1) << 15) | 0x7E00) if first and pcr is not None else b""
            room = 184 - (2 + len(pcr_bytes) if pcr_bytes else 0)
            chunk, payload = payload[:room], payload[room:]
            field_size = 184 - len(chunk)
            if field_size == 0:
                adaptation = b""
            elif field_size == 1:
                adaptation = b"\x00"
            else:
                flags = 0x10 if pcr_bytes else 0x00
                stuffing = field_size - 2 - len(pcr_bytes)
                adaptation = bytes([field_size - 1, flags]) + pcr_bytes + b"\xff" * stuffing
            counter = self.counters.get(pid, 0)
            self.counters[pid] = (counter + 1) % 16
            control = 0x30 if adaptation else 0x10
            header = struct.pack(">BHB", 0x47, (0x4000 if first else 0) | pid, control | counter)
            out += header + adaptation + chunk
            first = False
        return bytes(out)


def _section(table_id: int, table_id_extension: int, body: bytes) -> bytes:
    length = 5 + len(body) + 4
    section = bytes([table_id]) + struct.pack(">HHBBB", 0xB000 | length, table_id_extension, 0xC1, 0, 0) + body
    return b"\x00" + section + struct.pack(">I", _crc32_mpeg(section))


def _pts_bytes(pts: int) -> bytes:
    return bytes(
        [
            0x21 | ((pts >> 29) & 0x0E),
            (pts >> 22) & 0xFF,
            0x01 | ((pts >> 14) & 0xFE),
            (pts >> 7) & 0xFF,
            0x01 | ((pts << 1) & 0xFE),
        ]
    )


def segment(index: int, frames: int) -> bytes:
    """One MPEG-TS segment: PAT, PMT and `frames` silent MP3 frames, timed after the previous segments."""
    muxer = _Muxer()
    pat = _section(0x00, 1, struct.pack(">HH", 1, 0xE000 | PMT_PID))
    pmt = _section(0x02, 1, struct.pack(">HH", 0xE000 | AUDIO_PID, 0xF000) + struct.pack(">BHH", 0x03, 0xE000 | AUDIO_PID, 0xF000))
    out = bytearray(muxer.packets(0, pat) + muxer.packets(PMT_PID, pmt))
    first_frame = index * frames
    for start in range(0, frames, FRAMES_PER_PES):
        count = min(FRAMES_PER_PES, frames - start)
        pts = 90000 + (first_frame + start) * SAMPLES_PER_FRAME * 90000 // SAMPLE_RATE
        data = MP3_FRAME * count
        pes = b"\x00\x00\x01\xc0" + struct.pack(">H", 8 + len(data)) + b"\x80\x80\x05" + _pts_bytes(pts) + data
        out += muxer.packets(AUDIO_PID, pes, pcr=pts if start == 0 else None)
    return bytes(out)


def playlist(segments: int, frames: int) -> str:
    """A finished (VOD) media playlist of `segments` segments named 0.ts, 1.ts, ..."""
    duration = frames * SAMPLES_PER_FRAME / SAMPLE_RATE
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{int(duration) + 1}", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for number in range(segments):
        lines += [f"#EXTINF:{duration:.3f},", f"{number}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
