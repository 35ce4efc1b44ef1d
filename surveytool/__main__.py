"""``python -m surveytool`` runs the command line."""

from surveytool.cli import run

if __name__ == "__main__":  # not when a worker process imports the main module (spawn)
    run()
