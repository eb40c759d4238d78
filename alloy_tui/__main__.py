"""`python -m alloy_tui`: the same as the `alloy-tui` command."""

from alloy_tui.launch import main

raise SystemExit(main())
