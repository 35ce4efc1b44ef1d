"""``python -m surveytool`` runs the command line."""

from surveytool.cli import main

raise SystemExit(main())
