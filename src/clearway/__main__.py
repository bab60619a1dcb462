"""``python -m clearway`` runs the command line."""

from .cli import app

if __name__ == "__main__":
    app()
