"""The Python modules of pipe's standard library, a package so that none shadows a module of Python's own (`select`)."""
