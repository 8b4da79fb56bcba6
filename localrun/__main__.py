"""`python -m localrun` (what `make run` runs): the local stack with demo data."""

from localrun.server import main

raise SystemExit(main())
