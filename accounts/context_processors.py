from .roles import Role


def role(request):
    user = getattr(request, "user", None)
    current = user.role if user is not None and user.is_authenticated else None
    return {"current_role": current, "Role": Role}
