"""``python -m z2h`` runs the command line (``torchrun -m z2h gpt train`` relies on it)."""

from z2h.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
