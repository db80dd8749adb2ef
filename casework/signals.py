"""Signals casework sends for the layers built on it.

Casework never imports the workflow layer; a flow that must start or stop when a
location changes stage listens here instead.

- `location_transitioned(sender=Location, location, transition, actor, reason, data)`:
  sent inside the transaction of every transition, right after its audit event. A
  receiver that raises undoes the transition; work that must wait for the commit
  (starting a flow, rendering a document) belongs in `transaction.on_commit`.
"""

from django.dispatch import Signal

location_transitioned = Signal()
