"""Build the demo PDF (companies/docs/lumen-chat-privacy.pdf) from plain text, with no PDF library.

Run `python examples/make_pdf.py` after editing PRIVACY; the generated file is committed so the
demo workspace works offline without running anything.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

PRIVACY = """\
Lumen Chat Privacy Policy (fictional example)
Effective 1 February 2026.

What we collect
We collect your phone number, your profile name and the minimum connection data needed to deliver messages.
We keep no message content and no IP address logs. Delivery metadata is deleted after 7 days.

Encryption
Messages and calls are end-to-end encrypted by default. We cannot decrypt the content of your messages.
Account data is encrypted in transit and at rest.

Sharing
We do not sell your personal data. We do not share your data with data brokers or advertisers.
We disclose user data to law enforcement only in response to valid legal process, as described in our
Guidelines for Law Enforcement, and we notify affected users before disclosing their information unless
we are legally prohibited from doing so.
"""


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(text: str) -> bytes:
    lines: list[str] = []
    for para in text.splitlines():
        lines.extend(textwrap.wrap(para, 90) or [""])
    ops = ["BT", "/F1 10 Tf", "13 TL", "50 800 Td"] + [f"({_esc(line)}) Tj T*" for line in lines] + ["ET"]
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    target = Path(__file__).parent / "companies" / "docs" / "lumen-chat-privacy.pdf"
    target.write_bytes(make_pdf(PRIVACY))
    print(f"wrote {target.name}")
