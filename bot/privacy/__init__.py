"""Privacy by design: what Elçi keeps about a person, for how long, and how it is given
back (``elci export``) or taken away (``elci erase``).

``holdings`` is the one list of every table that holds something about a person and what
erasure does to it; a test fails when a table that references a person is missing there.
"""
