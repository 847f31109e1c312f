"""Loopback test servers the real clients talk to: a Kubernetes API for kubectl, an OpenAI-compatible
endpoint for the openai SDK. Tests and cram transcripts start them fresh and stop them after."""
