"""`python -m tvox_journey` runs the CLI."""

from tvox_journey.cli import main

main()
