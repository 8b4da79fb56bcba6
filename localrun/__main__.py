"""`python -m localrun` (what `make run` runs): the local stack with demo data."""

from localrun.catalogues import compile_catalogues
from localrun.server import main

compile_catalogues()  # the functions read the compiled catalogues, as the build makes them
raise SystemExit(main())
