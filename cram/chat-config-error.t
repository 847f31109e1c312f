Chat needs a model endpoint. With neither OPENAI_API_KEY nor OPENAI_BASE_URL set it says what
to set and exits 2, before reading any input:

  $ unset OPENAI_API_KEY OPENAI_BASE_URL
  $ echo hi | sentinel chat
  error: chat needs a model endpoint: neither OPENAI_API_KEY nor OPENAI_BASE_URL is set
    hint: export OPENAI_API_KEY=sk-... for OpenAI, or OPENAI_BASE_URL=http://localhost:11434/v1 for a local OpenAI-compatible server (Ollama, vLLM, llama.cpp)
  [2]

A base URL that is not an http(s) URL is a configuration error too, not an unreachable server:

  $ echo hi | OPENAI_BASE_URL=localhost:11434/v1 sentinel chat
  error: OPENAI_BASE_URL 'localhost:11434/v1' is not an http:// or https:// URL
    hint: write the whole URL with its /v1 path, e.g. http://localhost:11434/v1
  [2]

A base URL alone is enough: local OpenAI-compatible servers (Ollama, vLLM, llama.cpp) need no
key, so a placeholder is sent:

  $ CTL="$TESTDIR/../tests/fakes/openai_ctl.py"
  $ python "$CTL" script "$TESTDIR/../samples/chat/local-server.json"
  $ echo hi | OPENAI_BASE_URL="$FAKE_OPENAI_URL" sentinel chat --memory --model llama3.2
  conversation conv_[0-9a-f]+ \(in memory, not saved\); model llama3\.2 (re)
  type /help for commands
  you> hi
  assistant> Hello from a local model.
  $ python "$CTL" requests | python -c 'import json, sys; r = json.load(sys.stdin)[0]; print(r["headers"]["authorization"], r["body"]["model"])'
  Bearer sk-no-key-required llama3.2

A bad chat setting is a configuration error too, naming the setting:

  $ echo hi | SENTINEL_CONTEXT_BUDGET=lots sentinel chat
  error: setting 'context_budget' (from $SENTINEL_CONTEXT_BUDGET): 'lots' is not a positive number
    hint: set context_budget in sentinel.toml or SENTINEL_CONTEXT_BUDGET to a positive number
  [2]

The resume policy is documented in the command's help:

  $ sentinel chat --help | sed -n '/^which conversation:/,/^$/p'
  which conversation:
    By default chat resumes the conversation you used last: the one with the most recent
    message, or one started after it and still empty; with none, it starts a new one. --new
    always starts a new one; --conversation ID continues that one (a unique prefix of the id is
    enough). --memory keeps the session in memory only: nothing is saved and nothing is resumed.
  
