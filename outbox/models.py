"""The outbox table (tasks owed to the broker) and the keys of work done once."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task that a committed change owes: written in the change's own transaction.

    It is handed to the broker after the commit; if the broker is down it stays pending and a
    deliverer (beat every minute, the worker, the next successful hand-over) sends it later.
    """

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("交付队列时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("交付尝试次数"), default=0)
    last_error = models.TextField(_("最近一次错误"), blank=True)

    class Meta:
        verbose_name = _("待投递任务")
        verbose_name_plural = _("待投递任务")
        ordering = ["pk"]
        indexes = [
            # The deliverer's one question: what is still owed, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(dispatched_at__isnull=True),
                name="outbox_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"

    @property
    def task_id(self) -> str:
        """Return the Celery task id: the same on every hand-over, so work is done once."""
        return f"outbox-{self.pk}"


class DoneKey(models.Model):
    """A piece of work that must happen once (an e-mail sent): claimed by inserting its key."""

    key = models.CharField(_("键"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("已完成标记")
        verbose_name_plural = _("已完成标记")

    def __str__(self) -> str:
        return self.key
