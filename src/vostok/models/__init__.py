"""One subpackage per system; see :mod:`vostok.models.registry` for how they are named and loaded."""
