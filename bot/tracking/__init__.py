"""First-party share tracking: ``/s/{code}`` records a share intent, ``/r/{code}`` a click."""
