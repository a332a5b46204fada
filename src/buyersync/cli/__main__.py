"""`python -m buyersync.cli`: the same as the `buyersync` command."""

from buyersync.cli import main

main()
