"""The spoke's processes: the gateway that receives, the pipeline process, locks, and the status read-out."""
