"""Keep the cached token users and signed-in users honest: a deleted token or a changed user is forgotten at once."""
from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from accounts.authentication import token_user_forget
from accounts.backends import user_forget


@receiver(post_delete, sender=Token)
def _token_deleted(sender, instance: Token, **kwargs) -> None:
    token_user_forget(key=instance.key)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def _user_changed(sender, instance, **kwargs) -> None:
    user_forget(user_id=instance.pk)
    for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
        token_user_forget(key=key)
