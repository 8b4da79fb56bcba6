"""`make bench`: measurements beside the targets of the design notes (cold start, AWS calls per request,
billed CDR export). A report, never a test: it exits 0 whether or not a target is met."""
