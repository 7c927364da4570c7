"""Pure clinic rules: no Qt, no SQL, no I/O."""
