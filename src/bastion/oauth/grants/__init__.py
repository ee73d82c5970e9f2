"""The grants of the token endpoint (RFC 6749 §4), one module each, sharing one signature."""
