"""Building blocks for the bundled sample calls (see samples/generate_calls.py)."""
