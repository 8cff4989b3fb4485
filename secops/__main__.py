import sys

from secops.cli.main import main

sys.exit(main())
