"""``python -m therabill``: the same command line as the ``therabill`` script."""

from therabill.cli.main import main

main()
