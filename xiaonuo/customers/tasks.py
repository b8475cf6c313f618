"""Background jobs of the customers app. Tasks take ids and are safe to run twice."""

from huey.contrib.djhuey import db_task

from xiaonuo.customers import importing


@db_task()
def run_customer_import(import_id: int) -> None:
    # Enqueued on commit by importing.start_import; the claim inside makes a second delivery a no-op.
    importing.run_import(import_id=import_id)
