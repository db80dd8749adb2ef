"""Pages of the interface beyond the location list and page (casework/views.py):
the steps that change a location's facts and parties, the agreement versions to read,
and the public pages of the footer."""
