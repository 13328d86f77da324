from phonejail.cli import main

raise SystemExit(main())
