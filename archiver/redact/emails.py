"""E-mail addresses written in other scripts (EAI/IDN), and the scripts written without spaces.

The RE2 pattern admits whole UTF-8 letter blocks around the `@`; `unicode_email` decides where such a
candidate really starts and ends. Only candidates holding non-ASCII bytes come here; ASCII addresses are
confirmed by the pattern alone.
"""

from __future__ import annotations

import unicodedata

# Scripts written without spaces: a number glued to them is still a separate token (`电话4155550132`).
NO_SPACE_SCRIPTS = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x3000, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)


def no_space_script(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in NO_SPACE_SCRIPTS)


def _email_char_ok(ch: str, local: bool) -> bool:
    if ch.isascii():
        return ch.isalnum() or ch in ("._%+-'" if local else "-.")
    return unicodedata.category(ch)[0] in "LMN"


def unicode_email(data: bytes, start: int, tok: bytes) -> tuple[int, int, str] | None:
    """An address with non-ASCII letters: trim punctuation of other scripts off its ends, then check it.

    The pattern admits whole UTF-8 blocks; here every non-ASCII character must be a letter, mark or digit,
    so `بريدي، أحمد@مثال.مصر` yields `أحمد@مثال.مصر` and `a@b.com÷2` yields `a@b.com`.
    """
    text = tok.decode("utf-8", "surrogatepass")
    if text[0] == '"' or text.endswith("]"):  # `"josé garcía"@…`, `josé@[192.0.2.1]`: the pattern is exact
        return (start, start + len(tok), "EMAIL")
    at = text.index("@")
    lo = at
    while lo > 0 and _email_char_ok(text[lo - 1], True):
        lo -= 1
    # `电话john@…`, `电话1234567890@txt.att.net`: a script written without spaces glued before an ASCII
    # address is the sentence; before an internationalised one it is the name (`用户16@例子.广告`)
    ascii_domain = text[at:].split(" ", 1)[0].isascii()
    for i in range(at - 1, lo, -1):
        if no_space_script(text[i - 1]) and not no_space_script(text[i]):
            if text[i].isalpha() or (ascii_domain and text[i:at].isascii()):
                lo = i
            break
    while lo < at and text[lo] in ".'":
        lo += 1
    hi = at + 1
    while hi < len(text) and _email_char_ok(text[hi], False):
        hi += 1
    domain = text[at + 1 : hi].rstrip(".-")
    labels = domain.split(".")
    tld = labels[-1]
    if lo == at or len(labels) < 2 or not all(labels):
        return None
    if not (tld[:4].lower() == "xn--" or all(unicodedata.category(c)[0] in "LM" for c in tld)):
        return None
    if tld.isascii() and len(tld) < 2:
        return None
    begin = start + len(text[:lo].encode("utf-8", "surrogatepass"))
    return (begin, begin + len(text[lo : at + 1 + len(domain)].encode("utf-8", "surrogatepass")), "EMAIL")
