"""Beat jobs of the audit trail (thin: they call core.audit)."""

from celery import shared_task

from . import audit


@shared_task(name="core.audit_tasks.seal_audit_chain_task", ignore_result=True)
def seal_audit_chain_task():
    return audit.seal_audit_chain()


@shared_task(name="core.audit_tasks.audit_retention_task", ignore_result=True)
def audit_retention_task():
    return audit.archive_and_purge()
