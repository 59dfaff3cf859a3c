"""The line operator's station: inspection records, feedback, shift counters, the page."""
