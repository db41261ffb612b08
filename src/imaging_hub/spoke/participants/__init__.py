"""Who may leave the site: enrolment, the national data opt-out register, withdrawal, and the gatekeeper that
decides per instance which projects it may go to."""
