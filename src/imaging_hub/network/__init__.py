"""Network operations: the resources and work an imaging network shares across its sites."""
