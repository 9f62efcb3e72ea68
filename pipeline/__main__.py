"""Run the command line as ``python -m pipeline``."""

from pipeline.cli import main

# Guarded: the rendering processes import this module again under another name.
if __name__ == "__main__":
    raise SystemExit(main())
