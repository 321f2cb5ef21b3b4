"""The studio's widgets, one a file."""
