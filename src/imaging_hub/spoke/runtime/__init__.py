"""The spoke's processes: the gateway that receives, the pipeline process and its de-identification workers,
locks, and the status read-out."""
