"""Models of the manufacturing app."""
