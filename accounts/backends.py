"""The portal's model backend: Django's, reading the signed-in user with their affiliation.

Every page's header names the user's affiliation (``User.affiliation``: their center or supervising
unit); reading it with the user saves a query on every page of every director and supervisor."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("center", "supervising_unit")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
