"""What arrives at the spoke: the Storage SCP, the intake buffer of identifiable instances, the disk guard."""
