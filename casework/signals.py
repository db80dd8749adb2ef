"""Signals casework sends for the layers built on it.

Casework never imports the workflow layer; a flow that must start or stop when a
location changes stage listens here instead.

- `location_transitioned(sender=Location, location, transition, actor, reason, data,
  from_process)`: sent inside the transaction of every transition, right after its
  audit event (`casework.services.locations`). A receiver that raises undoes the
  transition. `from_process` is the id of the workflow process whose task fired the
  transition (None for a person on the location page or the API, and for the
  system). The receiver is `workflows.procedures.follow_transition`: it starts and
  cancels the escalation branch's flows in that same transaction (their documents
  and e-mails are jobs written in it too: `casework.jobs`).
- `designation_period_set(sender=Designation, designation)`: sent inside the
  transaction that records the notice of a draft designation decision
  (`casework.services.designation_record_notice`), once its consultation period has
  a start and an end. The receiver is `workflows.procedures.follow_period`: the
  designation flow's timer waits until the postal week after the end has passed.
"""

from django.dispatch import Signal

location_transitioned = Signal()
designation_period_set = Signal()
