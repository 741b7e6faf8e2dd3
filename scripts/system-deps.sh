#!/usr/bin/env bash
# System packages the tests and notebooks need, installed from Debian's packages when missing:
#   fonts-wqy-microhei  a font with Chinese glyphs, so matplotlib labels are characters, not boxes
#   chromium            a real headless browser for the test of the interactive HTML view
#   libreoffice (writer, calc) turns the test documents made with python-docx and openpyxl into PDF, as governments do
#   poppler-utils       pdftotext, the extractor whose output users bring as text; pdftoppm, which makes the test scans
#   libgl1              the OpenGL library OpenCV (the ocr extra, through rapidocr-onnxruntime) loads
# Without root (or apt-get) it says what to install and carries on; the browser test then skips
# unless REQUIRE_BROWSER is set (CI sets it), and the font test fails with the same advice.
set -u
need=()
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
[ -e /usr/lib/libreoffice/program/libsclo.so ] || need+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q 'libGL.so.1 ' || need+=(libgl1)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing ${need[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
    echo "warning: please install ${need[*]} (e.g. sudo apt-get install ${need[*]})" >&2
fi
exit 0
