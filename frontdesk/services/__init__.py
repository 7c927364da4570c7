"""The one API the UI and the command line call: one use-case, one write transaction."""
