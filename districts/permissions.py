"""Django's permission backend over the apps' declared role grants (see ``districts.policy``).

Django's own machinery (the admin index, ``user.has_perm``) asks this backend; project code
asks the model's policy instead. A role held in a division covers that division and
everything below it.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from .policy import all_permissions, memberships_of, permissions_for, policy_for


class DivisionRoleBackend(BaseBackend):
    """Grant model and object permissions from the user's division memberships."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if obj is None:
            return all_permissions(user_obj)
        policy = policy_for(obj)
        division = policy.division_of(obj) if policy is not None and policy.scoped else None
        if division is None:
            # Shared reference data (domains, items, channels): the model permission decides.
            return all_permissions(user_obj)
        perms = set()
        for membership in memberships_of(user_obj):
            if division.is_within(membership.division):
                perms |= permissions_for(membership)
        return perms

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
