"""The transactional outbox: side effects of a commit (tasks) recorded with the commit itself.

Imports no other app of ours; the content apps call ``outbox.services.enqueue`` instead of
``task.delay_on_commit`` so that a broker outage loses nothing.
"""
