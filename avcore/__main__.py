import sys

from avcore.cli import main

sys.exit(main())
