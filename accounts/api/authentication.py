"""Token authentication that applies the login gate (accounts.security.token_gate_step): a user who
must change their password, or whose role needs two-factor and who has not enrolled, gets 403 with a
Chinese message on every API call until they have done so on the web pages."""

from rest_framework import exceptions, status
from rest_framework.authentication import TokenAuthentication

from .. import security, tokens
from ..middleware import API_CODES, API_MESSAGES


class LoginStepRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "login_step_required"
    # core.api.errors shows this detail instead of the generic 403 text.
    has_specific_message = True


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"
    has_specific_message = True  # core.api.errors shows this Chinese detail, not the generic 401 text


class GatedTokenAuthentication(TokenAuthentication):
    """Also ends a token past API_TOKEN_HOURS (accounts.tokens): deleted, and the call is a 401."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if tokens.token_is_expired(token):
            tokens.tokens_end(user=user, reason="expired")
            raise TokenExpired("令牌已过期，请重新获取令牌（POST /api/v1/auth/token/）。")
        step = security.token_gate_step(user)
        if step is not None:
            raise LoginStepRequired(detail=API_MESSAGES[step], code=API_CODES[step])
        return user, token
