"""Compact JSON text: the one encoder of the app's response bodies and log lines."""

import json

# Made once: json.dumps with arguments builds a new encoder on every call, as Chalice's
# Response does for each body that is not text yet (make bench-instructions). The same separators
# and ASCII escaping as Chalice's, so a body is the same bytes either way. No check for
# cycles: the app encodes only values its own code has just built, never cyclic.
encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
