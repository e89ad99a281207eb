from nutrio.cli import main

raise SystemExit(main())
