"""Virtual gamepads on a named pipe, for tests and benchmarks (no /dev/input needed).

A :class:`FakePort` is a FIFO where /dev/input/eventN would be, read by the
real ``inputs`` parser through :class:`PipePad`. Plugging opens its writing
end; the caller writes packed ``struct input_event`` records with the codes
and ranges real pads send; unplugging closes the writing end, which the
reader sees as the end of the stream, just as a pad pulled out.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import inputs

EV_SYN, EV_KEY, EV_ABS, EV_MSC = 0, 1, 3, 4
CODES = {
    "ABS_X": 0x00, "ABS_Y": 0x01, "ABS_Z": 0x02, "ABS_RX": 0x03, "ABS_RY": 0x04, "ABS_RZ": 0x05,
    "ABS_HAT0X": 0x10, "ABS_HAT0Y": 0x11,
    "BTN_SOUTH": 0x130, "BTN_EAST": 0x131, "BTN_NORTH": 0x133, "BTN_WEST": 0x134, "BTN_TL": 0x136,
    "BTN_TR": 0x137, "BTN_TL2": 0x138, "BTN_TR2": 0x139, "BTN_SELECT": 0x13A, "BTN_START": 0x13B,
    "BTN_MODE": 0x13C,
}  # fmt: skip
PS4_NAME = "Sony Interactive Entertainment Wireless Controller"
XBOX_NAME = "Microsoft X-Box One pad"
MANAGER = inputs.DeviceManager()


def record(ev_type: int, code: int, value: int, t: float = 1000.0) -> bytes:
    return struct.pack(inputs.EVENT_FORMAT, int(t), int((t % 1) * 1e6), ev_type, code, value)


def report(*changes: tuple[str, int], scan: bool = True) -> bytes:
    """One report as a pad's driver sends it: the changes, (a scan code per key), then SYN_REPORT."""
    out = b""
    for name, value in changes:
        if name.startswith("BTN_"):
            if scan:
                out += record(EV_MSC, 4, 0x90000 + CODES[name] - 0x12F)  # MSC_SCAN, as hid drivers send
            out += record(EV_KEY, CODES[name], value)
        else:
            out += record(EV_ABS, CODES[name], value)
    return out + record(EV_SYN, 0, 0)


class PipePad(inputs.GamePad):
    """``inputs.GamePad`` whose character device is a FIFO."""

    def __init__(self, name: str, fifo: Path) -> None:
        self._fake_name = name
        path = "/dev/input/by-id/usb-{}-event-joystick".format(name.replace(" ", "_"))
        super().__init__(MANAGER, path, char_path_override=str(fifo))

    def _set_name(self) -> None:  # the real one reads /sys/class/input/...
        self.name = self._fake_name


class FakePort:
    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.path = folder / f"event-{len(list(folder.glob('event-*')))}"
        os.mkfifo(self.path)
        self.fd: int | None = None

    def plug(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR)  # never blocks, unlike O_WRONLY with no reader yet

    def unplug(self) -> None:
        assert self.fd is not None
        os.close(self.fd)
        self.fd = None

    def send(self, data: bytes) -> None:
        assert self.fd is not None
        os.write(self.fd, data)

    def pad(self) -> PipePad:
        return PipePad(self.name, self.path)


def discover(ports: list[FakePort]):
    """What a scan of /dev/input would find: the plugged ports."""
    return lambda: [port.pad() for port in ports if port.fd is not None]
