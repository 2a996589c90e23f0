"""Template filters for the PDF templates' per-document CSS (running header, verification footer)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def css_string(value) -> str:
    """``value`` as a quoted CSS string: backslash, quotes and control characters escaped; a newline
    becomes ``\\A`` (a line break where ``white-space: pre`` applies)."""
    out = []
    for char in str(value):
        if char == "\n":
            out.append("\\A ")
        elif char in '\\"' or char in "<>&'" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):X} ")
        else:
            out.append(char)
    return mark_safe('"' + "".join(out) + '"')


@register.filter
def verification_footer(doc: dict) -> str:
    """The two lines printed next to the QR code on every page."""
    from django.utils import timezone

    generated_on = timezone.localtime(doc["generated_at"]).date()  # the portal's day, as the header prints it
    return (
        f"验证码 {doc['code']} · 第 {doc['revision']} 版 · {generated_on:%Y-%m-%d}\n"
        f"扫码或访问 {doc['verification_url']} 核验真伪"
    )
