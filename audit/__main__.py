"""`python -m audit` runs the command-line interface."""

from audit.cli import main

if __name__ == "__main__":
    main()
