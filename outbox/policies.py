"""The outbox is machinery: only superusers read it."""

from districts.policy import SuperuserPolicy, register

from .models import DoneKey, OutboxMessage

messages = register(SuperuserPolicy(OutboxMessage))
done_keys = register(SuperuserPolicy(DoneKey))
