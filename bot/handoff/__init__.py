"""The warm handoff to a recovery navigator: the person's request and the console's side."""
