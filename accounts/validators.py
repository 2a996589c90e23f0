"""Password rule of 等保二级: at least 10 characters (Django's MinimumLengthValidator) mixing letters
and digits (this validator: Django ships none for character classes, and it is four lines)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LettersAndDigitsValidator:
    def validate(self, password, user=None):
        if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
            raise ValidationError(_("密码必须同时包含字母和数字。"), code="password_letters_digits")

    def get_help_text(self):
        return _("密码必须同时包含字母和数字。")
