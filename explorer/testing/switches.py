"""``python -m explorer.testing.switches A B N``: switch the kiosk between two worlds N times and print RSS after trim.

Run in a process of its own by the suite's memory test: a test late in the suite shares a
process holding 2 GB of other tests' heap, whose noise is larger than what is measured. The
real kiosk runs in a child process of its own too.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from PyQt6.QtCore import QEventLoop, QTimer
from PyQt6.QtWidgets import QApplication

from explorer.core.process import release_free_heap, rss_mb
from explorer.ui.kiosk.mode import Kiosk


def main(argv: list[str]) -> int:
    worlds, switches = [Path(argv[0]), Path(argv[1])], int(argv[2])
    app = QApplication([])
    kiosk = Kiosk(worlds, label_budget=100, point_budget=0)
    kiosk.timer.stop()  # this loop drives the frames
    kiosk.resize(640, 360)
    kiosk.show()
    rss = []
    for switch in range(switches + 1):
        loop = QEventLoop()
        kiosk.rude_checked.connect(loop.quit)  # loaded, shown, its labels checked
        QTimer.singleShot(20_000, loop.quit)
        kiosk.choose(switch % 2)
        loop.exec()
        kiosk.rude_checked.disconnect(loop.quit)
        for _ in range(3):
            kiosk.tick()
        gc.collect()
        release_free_heap()
        rss.append(rss_mb())
    kiosk.may_quit = True
    kiosk.close()
    print(json.dumps({"switches": kiosk.switches, "rss_mb_after_trim": rss}))
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
