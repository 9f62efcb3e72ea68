"""The mail back-ends, behind one protocol: the run reaches them only through the loader."""
