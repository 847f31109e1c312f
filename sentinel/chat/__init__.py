"""The chat package: history store, provider, service, tools and the terminal REPL."""
