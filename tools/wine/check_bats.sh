#!/bin/sh
# Run the bundle's .bat files under wine's cmd.exe from a folder with Chinese, spaces and
# parentheses, with the console in cp936 (zh_CN) and cp437 (en_US); a stand-in py.exe
# (fakepy.c) logs the arguments every program receives. Not part of the test suite.
# Needs: wine64, gcc-mingw-w64-x86-64, the zh_CN.UTF-8 and en_US.UTF-8 locales
# (localedef -i zh_CN -f UTF-8 zh_CN.UTF-8). Usage: tools/wine/check_bats.sh
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export WINEPREFIX="${WINEPREFIX:-/tmp/surveytool-wine}" WINEDEBUG=-all
WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
"$WINE" cmd /c exit >/dev/null 2>&1 || true  # make the prefix
x86_64-w64-mingw32-gcc -municode -O1 -o "$WINEPREFIX/drive_c/windows/py.exe" "$ROOT/tools/wine/fakepy.c"
HERE="$WINEPREFIX/drive_c/调研 工具 (测试)"
for L in zh_CN.UTF-8 en_US.UTF-8; do
    rm -rf "$HERE" "$WINEPREFIX/drive_c/fakepy.log"
    mkdir -p "$HERE/调研"
    python3 - "$ROOT" "$HERE" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1] + "/tools")
import build_windows_bundle as b
here = Path(sys.argv[2])
(here / b.INSTALL_BAT).write_bytes(b.bat_text(b.INSTALL_LINES))
(here / b.START_BAT).write_bytes(b.bat_text(b.START_LINES))
(here / b.DEFAULT_FOLDER / b.MARKER).write_text("x")
PY
    echo "=== console as in $L"
    echo | LC_ALL=$L "$WINE" 'C:\调研 工具 (测试)\安装.bat' >/dev/null 2>&1
    echo | LC_ALL=$L "$WINE" 'C:\调研 工具 (测试)\启动调研工作台.bat' >/dev/null 2>&1
    echo | LC_ALL=$L "$WINE" 'C:\调研 工具 (测试)\启动调研工作台.bat' 'C:\我的 资料 (2026) & 备份\调研' >/dev/null 2>&1
    cat "$WINEPREFIX/drive_c/fakepy.log"
done
